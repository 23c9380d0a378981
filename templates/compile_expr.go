package templates

import (
	"reflect"
	"text/template/parse"
)

// pipe compiles a pipeline: each command's value is the last argument of
// the next.
func (c *compiler) pipe(p *parse.PipeNode, t reflect.Type) (expr, error) {
	var prev *expr
	for _, cmd := range p.Cmds {
		e, err := c.command(cmd, t, prev)
		if err != nil {
			return expr{}, err
		}
		prev = &e
	}
	if prev == nil {
		return expr{}, decline("empty pipeline %s", p)
	}
	return *prev, nil
}

// command compiles a command, with the previous command's value as its
// last argument when there is one.
func (c *compiler) command(cmd *parse.CommandNode, t reflect.Type, prev *expr) (expr, error) {
	if id, ok := cmd.Args[0].(*parse.IdentifierNode); ok {
		args, err := c.operands(cmd.Args[1:], t)
		if err != nil {
			return expr{}, err
		}
		if prev != nil {
			args = append(args, *prev)
		}
		return c.function(id.Ident, args)
	}
	if prev != nil || len(cmd.Args) > 1 {
		return expr{}, decline("arguments to a non-function in %s", cmd)
	}
	return c.operand(cmd.Args[0], t)
}

func (c *compiler) operands(nodes []parse.Node, t reflect.Type) ([]expr, error) {
	args := make([]expr, 0, len(nodes)+1)
	for _, n := range nodes {
		e, err := c.operand(n, t)
		if err != nil {
			return nil, err
		}
		args = append(args, e)
	}
	return args, nil
}

var (
	stringType = reflect.TypeFor[string]()
	intType    = reflect.TypeFor[int]()
	boolType   = reflect.TypeFor[bool]()
)

// operand compiles an argument: dot, a field chain of dot or of "$", a
// literal, or a parenthesized pipeline.
func (c *compiler) operand(n parse.Node, t reflect.Type) (expr, error) {
	switch n := n.(type) {
	case *parse.DotNode:
		return dotExpr(t), nil
	case *parse.FieldNode:
		return fields(dotExpr(t), n.Ident)
	case *parse.VariableNode:
		if n.Ident[0] != "$" {
			return expr{}, decline("variable %s", n)
		}
		return fields(c.dollar(), n.Ident[1:])
	case *parse.StringNode:
		s := n.Text
		return expr{t: stringType, eval: func(*runner, reflect.Value) val { return val{s: s} }}, nil
	case *parse.NumberNode:
		if !n.IsInt {
			return expr{}, decline("number %s", n)
		}
		k := n.Int64
		return expr{t: intType, eval: func(*runner, reflect.Value) val { return val{n: k} }}, nil
	case *parse.BoolNode:
		b := n.True
		return expr{t: boolType, eval: func(*runner, reflect.Value) val { return val{b: b} }}, nil
	case *parse.PipeNode:
		if len(n.Decl) > 0 {
			return expr{}, decline("variable in %s", n)
		}
		return c.pipe(n, t)
	}
	return expr{}, decline("operand %s", n)
}

// dotExpr is dot, of type t.
func dotExpr(t reflect.Type) expr {
	data := valOf(t)
	return expr{t: t, eval: func(_ *runner, dot reflect.Value) val { return data(dot) }}
}

// dollar is "$": the data the template being compiled was called with.
func (c *compiler) dollar() expr {
	data := valOf(c.root)
	return expr{t: c.root, eval: func(r *runner, _ reflect.Value) val { return data(r.dollar) }}
}

// valOf turns a reflect.Value of type t into a val, its kind settled
// here rather than at every read.
func valOf(t reflect.Type) func(v reflect.Value) val {
	switch kindOf(t) {
	case reflect.String:
		return func(v reflect.Value) val { return val{rv: v, s: v.String()} }
	case reflect.Int:
		return func(v reflect.Value) val { return val{rv: v, n: v.Int()} }
	case reflect.Bool:
		return func(v reflect.Value) val { return val{rv: v, b: v.Bool()} }
	}
	return func(v reflect.Value) val { return val{rv: v} }
}

// fields follows a chain of field names from e. Pointers on the way must
// be the data passed in (never nil). A name may be a method of the value,
// without arguments, which text/template calls (before a field of the
// same name); a method of the pointer only declines.
func fields(e expr, names []string) (expr, error) {
	for _, name := range names {
		t := e.t
		if t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if m, ok := t.MethodByName(name); ok && t.Kind() != reflect.Interface {
			var err error
			if e, err = method(e, m); err != nil {
				return expr{}, err
			}
			continue
		}
		if t.Kind() != reflect.Struct {
			return expr{}, decline("field %s of %s", name, e.t)
		}
		if _, ok := reflect.PointerTo(t).MethodByName(name); ok {
			return expr{}, decline("method %s of %s", name, t)
		}
		f, ok := t.FieldByName(name)
		if !ok || !f.IsExported() || len(f.Index) != 1 || f.Type.Kind() == reflect.Pointer || f.Type.Kind() == reflect.Interface {
			return expr{}, decline("field %s of %s", name, t)
		}
		e = field(e, f)
	}
	return e, nil
}

// field is field f of e's value. A string field, the most read, is read
// without a call through valOf.
func field(e expr, f reflect.StructField) expr {
	i, recv := f.Index[0], receiver(e)
	if kindOf(f.Type) == reflect.String {
		return expr{t: f.Type, eval: func(r *runner, dot reflect.Value) val {
			v := recv(r, dot).Field(i)
			return val{rv: v, s: v.String()}
		}}
	}
	data := valOf(f.Type)
	return expr{t: f.Type, eval: func(r *runner, dot reflect.Value) val { return data(recv(r, dot).Field(i)) }}
}

// receiver is e's value, through the pointer when e is one.
func receiver(e expr) func(r *runner, dot reflect.Value) reflect.Value {
	if e.t.Kind() != reflect.Pointer {
		return func(r *runner, dot reflect.Value) reflect.Value { return e.eval(r, dot).rv }
	}
	return func(r *runner, dot reflect.Value) reflect.Value { return e.eval(r, dot).rv.Elem() }
}

// method calls m, a method of e's value without arguments giving one
// value: a string method of StoryView directly, any other through reflect.
func method(e expr, m reflect.Method) (expr, error) {
	if m.Type.NumIn() != 1 || m.Type.NumOut() != 1 {
		return expr{}, decline("method %s", m.Name)
	}
	recv := receiver(e)
	if fn, ok := m.Func.Interface().(func(StoryView) string); ok {
		return str(func(r *runner, dot reflect.Value) string { return fn(arg[StoryView](recv(r, dot))) }), nil
	}
	data := valOf(m.Type.Out(0))
	return expr{t: m.Type.Out(0), eval: func(r *runner, dot reflect.Value) val {
		return data(m.Func.Call([]reflect.Value{recv(r, dot)})[0])
	}}, nil
}
