package templates

import (
	htmltemplate "html/template"
	"reflect"
	"strconv"
	"text/template/parse"
)

// function compiles a call of a builtin, of an escaper html/template
// inserted, or of one of the set's functions.
func (c *compiler) function(name string, args []expr) (expr, error) {
	switch name {
	case "and", "or":
		return logic(name == "and", args)
	case "not":
		return not(args)
	case "print":
		return printArgs(args)
	}
	if esc, ok := escapers[name]; ok {
		return escape(esc, args)
	}
	fn, ok := c.funcs[name]
	if !ok {
		return expr{}, decline("function %s", name)
	}
	return adapt(name, fn, args)
}

// logic is "and" (the first false argument, else the last) or "or" (the
// first true one, else the last), each argument evaluated only if needed.
// Of arguments of several types, only the truth is taken (mixedType).
func logic(and bool, args []expr) (expr, error) {
	if len(args) == 0 {
		return expr{}, decline("and/or without arguments")
	}
	truths := make([]func(val) bool, len(args))
	t := args[0].t
	for i, a := range args {
		var err error
		if truths[i], err = truthOf(a.t); err != nil {
			return expr{}, err
		}
		if a.t != t {
			t = mixedType
		}
	}
	return expr{t: t, eval: func(r *runner, dot reflect.Value) val {
		var v val
		for i, a := range args {
			if v = a.eval(r, dot); truths[i](v) != and || i == len(args)-1 {
				v.b = truths[i](v)
				break
			}
		}
		return v
	}}, nil
}

// mixedType is the type of an "and" or "or" of arguments of several
// types: its val holds the truth alone (in b), for if and not only.
var mixedType = reflect.TypeFor[struct{ mixed bool }]()

func not(args []expr) (expr, error) {
	if len(args) != 1 {
		return expr{}, decline("not of %d arguments", len(args))
	}
	truth, err := truthOf(args[0].t)
	if err != nil {
		return expr{}, err
	}
	a := args[0]
	return expr{t: boolType, eval: func(r *runner, dot reflect.Value) val { return val{b: !truth(a.eval(r, dot))} }}, nil
}

// printArgs is fmt.Sprint of strings, integers and booleans: a space
// between two operands when neither is a string.
func printArgs(args []expr) (expr, error) {
	for _, a := range args {
		if k := kindOf(a.t); (k != reflect.String && k != reflect.Int && k != reflect.Bool) || stringer(a.t) {
			return expr{}, decline("print of %s", a.t)
		}
	}
	return expr{t: stringType, eval: func(r *runner, dot reflect.Value) val {
		var buf [256]byte // most prints fit: one allocation, the string's
		b := buf[:0]
		for i, a := range args {
			if i > 0 && kindOf(a.t) != reflect.String && kindOf(args[i-1].t) != reflect.String {
				b = append(b, ' ')
			}
			b = appendVal(b, a.t, a.eval(r, dot))
		}
		return val{s: string(b)}
	}}, nil
}

// appendVal appends v, of a string, integer or boolean type t, as fmt
// prints it.
func appendVal(b []byte, t reflect.Type, v val) []byte {
	switch kindOf(t) {
	case reflect.String:
		return append(b, v.s...)
	case reflect.Int:
		return strconv.AppendInt(b, v.n, 10)
	}
	return strconv.AppendBool(b, v.b)
}

// adapt compiles a call of fn, one of the set's functions. The arguments'
// types must be the parameters' (or T for *T, passed by address, as
// text/template does); the common signatures are called directly, any
// other through reflect.
func adapt(name string, fn any, args []expr) (expr, error) {
	ft := reflect.TypeOf(fn)
	if ft.Kind() != reflect.Func || ft.IsVariadic() || ft.NumIn() != len(args) || ft.NumOut() != 1 {
		return expr{}, decline("call of %s", name)
	}
	for i, a := range args {
		if p := ft.In(i); a.t != p && !(p.Kind() == reflect.Pointer && p.Elem() == a.t) {
			return expr{}, decline("argument %d of %s: %s for %s", i+1, name, a.t, p)
		}
	}
	if e, ok := direct(fn, args); ok {
		return e, nil
	}
	return reflected(reflect.ValueOf(fn), args), nil
}

// direct calls the signatures of Herald's template functions without
// reflect.
func direct(fn any, a []expr) (expr, bool) {
	switch fn := fn.(type) {
	case func(int, string, string) string:
		return str(func(r *runner, d reflect.Value) string {
			return fn(int(a[0].eval(r, d).n), a[1].eval(r, d).s, a[2].eval(r, d).s)
		}), true
	case func(int, string, string, string) string:
		return str(func(r *runner, d reflect.Value) string {
			return fn(int(a[0].eval(r, d).n), a[1].eval(r, d).s, a[2].eval(r, d).s, a[3].eval(r, d).s)
		}), true
	case func(int, int, string, string) string:
		return str(func(r *runner, d reflect.Value) string {
			return fn(int(a[0].eval(r, d).n), int(a[1].eval(r, d).n), a[2].eval(r, d).s, a[3].eval(r, d).s)
		}), true
	case func([]string, string) string:
		return str(func(r *runner, d reflect.Value) string {
			return fn(arg[[]string](a[0].eval(r, d).rv), a[1].eval(r, d).s)
		}), true
	case func(*StoryView) string:
		return str(func(r *runner, d reflect.Value) string { return fn(ptrArg[StoryView](a[0].eval(r, d).rv)) }), true
	case func(int, []StoryView) string:
		return str(func(r *runner, d reflect.Value) string {
			return fn(int(a[0].eval(r, d).n), arg[[]StoryView](a[1].eval(r, d).rv))
		}), true
	}
	return directHTML(fn, a)
}

// directHTML is direct for the functions giving template.HTML.
func directHTML(fn any, a []expr) (expr, bool) {
	switch fn := fn.(type) {
	case func() htmltemplate.HTML:
		return html(func(*runner, reflect.Value) htmltemplate.HTML { return fn() }), true
	case func(*StoryView) htmltemplate.HTML:
		return html(func(r *runner, d reflect.Value) htmltemplate.HTML { return fn(ptrArg[StoryView](a[0].eval(r, d).rv)) }), true
	case func(int, []StoryView) htmltemplate.HTML:
		return html(func(r *runner, d reflect.Value) htmltemplate.HTML {
			return fn(int(a[0].eval(r, d).n), arg[[]StoryView](a[1].eval(r, d).rv))
		}), true
	}
	return expr{}, false
}

func str(f func(*runner, reflect.Value) string) expr {
	return expr{t: stringType, eval: func(r *runner, d reflect.Value) val { return val{s: f(r, d)} }}
}

var htmlType = reflect.TypeFor[htmltemplate.HTML]()

func html(f func(*runner, reflect.Value) htmltemplate.HTML) expr {
	return expr{t: htmlType, eval: func(r *runner, d reflect.Value) val { return val{s: string(f(r, d))} }}
}

// arg is the data v as a T, without copying it into an interface when it
// can be addressed.
func arg[T any](v reflect.Value) T {
	if v.CanAddr() {
		return *v.Addr().Interface().(*T)
	}
	return v.Interface().(T)
}

// ptrArg is the address of the data v, a T (a copy when it has none).
func ptrArg[T any](v reflect.Value) *T {
	if v.CanAddr() {
		return v.Addr().Interface().(*T)
	}
	x := v.Interface().(T)
	return &x
}

// reflected calls fn through reflect.
func reflected(fn reflect.Value, args []expr) expr {
	ft := fn.Type()
	data := valOf(ft.Out(0))
	return expr{t: ft.Out(0), eval: func(r *runner, d reflect.Value) val {
		in := make([]reflect.Value, len(args))
		for i, a := range args {
			in[i] = value(a.t, a.eval(r, d))
			if ft.In(i).Kind() == reflect.Pointer && a.t.Kind() != reflect.Pointer {
				in[i] = addr(in[i])
			}
		}
		return data(fn.Call(in)[0])
	}}
}

func addr(v reflect.Value) reflect.Value {
	if v.CanAddr() {
		return v.Addr()
	}
	p := reflect.New(v.Type())
	p.Elem().Set(v)
	return p
}

// appendAction compiles an action calling one of the appenders: with a
// story, func(dst []byte, v *StoryView) []byte; with a range of stories,
// func(dst []byte, n int, s []StoryView) []byte. ok is false when the
// action is not one.
func (c *compiler) appendAction(p *parse.PipeNode, t reflect.Type) (k code, ok bool, err error) {
	id, isID := p.Cmds[0].Args[0].(*parse.IdentifierNode)
	if !isID || c.appenders[id.Ident] == nil || len(p.Cmds) > 2 || len(p.Cmds) == 2 && !onlyIdent(p.Cmds[1], "_html_template_htmlescaper") {
		return nil, false, nil
	}
	a, err := c.operands(p.Cmds[0].Args[1:], t)
	if err != nil {
		return nil, true, err
	}
	storyType := reflect.TypeFor[StoryView]()
	switch fn := c.appenders[id.Ident].(type) {
	case func([]byte, *StoryView) []byte:
		if len(a) == 1 && a[0].t == storyType {
			return func(r *runner, d reflect.Value) { r.out = fn(r.out, ptrArg[StoryView](a[0].eval(r, d).rv)) }, true, nil
		}
	case func([]byte, int, []StoryView) []byte:
		if len(a) == 2 && a[0].t == intType && a[1].t == reflect.SliceOf(storyType) {
			return func(r *runner, d reflect.Value) {
				r.out = fn(r.out, int(a[0].eval(r, d).n), arg[[]StoryView](a[1].eval(r, d).rv))
			}, true, nil
		}
	}
	return nil, true, decline("call of %s", id.Ident)
}

// onlyIdent reports a command that is the function name alone.
func onlyIdent(cmd *parse.CommandNode, name string) bool {
	id, ok := cmd.Args[0].(*parse.IdentifierNode)
	return ok && len(cmd.Args) == 1 && id.Ident == name
}
