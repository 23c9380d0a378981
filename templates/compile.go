package templates

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"text/template/parse"
)

// A template run by text/template (or html/template, which escapes the
// tree and then runs it with text/template) is a walk of its parse tree in
// which every field is found by name and every function, the escapers
// html/template adds to almost every action included, is called through
// reflect: for the per-reader frame of a digest email, some sixty actions,
// about a third of what a message costs to compose. So the fast way runs
// its (escaped) trees compiled instead: each node becomes a Go closure
// with its types settled once, fields read by index, the functions Herald
// knows and the escapers html/template inserts called directly. The
// compiler takes the subset of the template language the defaults use and
// declines the rest (errDecline): a set it declines runs through the
// template engine as before. Load's verification renders its digests with
// the compiled trees too and keeps them only when the bytes are the same.

// errDecline says a tree uses what the compiler does not take.
var errDecline = errors.New("templates: not compiled")

func decline(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errDecline}, args...)...)
}

// program is a compiled template set entry for one data type.
type program struct {
	run code
}

// runner is one run of a program.
type runner struct {
	out    []byte
	dollar reflect.Value // "$": the data of the template being run
}

// code runs a compiled node with dot.
type code func(r *runner, dot reflect.Value)

// val is what an expression gives, by its static type's kind: s for
// strings, n for integers, b for booleans; rv is the value itself when
// it is data (a field, dot), and for every other kind.
type val struct {
	rv reflect.Value
	s  string
	n  int64
	b  bool
}

// expr is a compiled expression of static type t.
type expr struct {
	t    reflect.Type
	eval func(r *runner, dot reflect.Value) val
}

// execute appends to out what the entry prints for data.
func (p *program) execute(out []byte, data any) []byte {
	dot := reflect.ValueOf(data)
	r := runner{out: out, dollar: dot}
	p.run(&r, dot)
	return r.out
}

// compiler compiles the templates of one set.
type compiler struct {
	tree  func(name string) *parse.Tree // a template of the set by name
	funcs map[string]any
	// appenders are functions printed in place: an action calling one
	// (then, in HTML, only the escaper that leaves template.HTML as it
	// is) appends what it gives to the output (see appendAction).
	appenders map[string]any
	done      map[callKey]*code // compiled templates, by name and dot type
	root      reflect.Type      // the type of "$" in the template being compiled
}

type callKey struct {
	name string
	t    reflect.Type
}

// compileSet compiles template name of a set for data of type t.
func compileSet(tree func(string) *parse.Tree, funcs, appenders map[string]any, name string, t reflect.Type) (*program, error) {
	c := &compiler{tree: tree, funcs: funcs, appenders: appenders, done: map[callKey]*code{}}
	run, err := c.template(name, t)
	if err != nil {
		return nil, err
	}
	return &program{run: func(r *runner, dot reflect.Value) { (*run)(r, dot) }}, nil
}

// template compiles a template for dot type t, once (a recursive template
// calls itself through the pointer).
func (c *compiler) template(name string, t reflect.Type) (*code, error) {
	k := callKey{name, t}
	if run, ok := c.done[k]; ok {
		return run, nil
	}
	tree := c.tree(name)
	if tree == nil || tree.Root == nil {
		return nil, decline("no template %q", name)
	}
	run := new(code)
	c.done[k] = run
	saved := c.root
	c.root = t
	body, err := c.list(tree.Root, t)
	c.root = saved
	if err != nil {
		return nil, err
	}
	*run = func(r *runner, dot reflect.Value) {
		saved := r.dollar
		r.dollar = dot
		body(r, dot)
		r.dollar = saved
	}
	return run, nil
}

func (c *compiler) list(l *parse.ListNode, t reflect.Type) (code, error) {
	if l == nil {
		return func(*runner, reflect.Value) {}, nil
	}
	var cs []code
	for _, n := range l.Nodes {
		k, err := c.node(n, t)
		if err != nil {
			return nil, err
		}
		if k != nil {
			cs = append(cs, k)
		}
	}
	if len(cs) == 1 {
		return cs[0], nil
	}
	return func(r *runner, dot reflect.Value) {
		for _, k := range cs {
			k(r, dot)
		}
	}, nil
}

func (c *compiler) node(n parse.Node, t reflect.Type) (code, error) {
	switch n := n.(type) {
	case *parse.TextNode:
		text := n.Text
		return func(r *runner, _ reflect.Value) { r.out = append(r.out, text...) }, nil
	case *parse.CommentNode:
		return nil, nil
	case *parse.ActionNode:
		return c.action(n, t)
	case *parse.IfNode:
		return c.branch(&n.BranchNode, t, false)
	case *parse.WithNode:
		return c.branch(&n.BranchNode, t, true)
	case *parse.RangeNode:
		return c.rangeNode(n, t)
	case *parse.TemplateNode:
		return c.call(n, t)
	}
	return nil, decline("node %s", n)
}

// action prints its pipeline's value.
func (c *compiler) action(n *parse.ActionNode, t reflect.Type) (code, error) {
	if len(n.Pipe.Decl) > 0 {
		return nil, decline("variable in %s", n)
	}
	if k, ok, err := c.appendAction(n.Pipe, t); ok || err != nil {
		return k, err
	}
	e, err := c.pipe(n.Pipe, t)
	if err != nil {
		return nil, err
	}
	return printer(e)
}

// printer writes e's value as fmt.Fprint would for text/template.
func printer(e expr) (code, error) {
	if stringer(e.t) {
		return nil, decline("print %s", e.t)
	}
	switch kindOf(e.t) {
	case reflect.String:
		return func(r *runner, dot reflect.Value) { r.out = append(r.out, e.eval(r, dot).s...) }, nil
	case reflect.Int:
		return func(r *runner, dot reflect.Value) { r.out = strconv.AppendInt(r.out, e.eval(r, dot).n, 10) }, nil
	case reflect.Bool:
		return func(r *runner, dot reflect.Value) { r.out = strconv.AppendBool(r.out, e.eval(r, dot).b) }, nil
	}
	return nil, decline("print %s", e.t)
}

var (
	stringerType = reflect.TypeFor[fmt.Stringer]()
	errorType    = reflect.TypeFor[error]()
)

// stringer reports a type fmt prints by a method of its own.
func stringer(t reflect.Type) bool {
	for _, x := range []reflect.Type{t, reflect.PointerTo(t)} {
		if x.Implements(stringerType) || x.Implements(errorType) {
			return true
		}
	}
	return false
}

// kindOf is t's kind, all signed integers as reflect.Int.
func kindOf(t reflect.Type) reflect.Kind {
	switch k := t.Kind(); k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return reflect.Int
	default:
		return k
	}
}

// branch is {{if}} (with false) or {{with}}.
func (c *compiler) branch(n *parse.BranchNode, t reflect.Type, with bool) (code, error) {
	if len(n.Pipe.Decl) > 0 {
		return nil, decline("variable in %s", n)
	}
	e, err := c.pipe(n.Pipe, t)
	if err != nil {
		return nil, err
	}
	truth, err := truthOf(e.t)
	if err != nil {
		return nil, err
	}
	inner := t
	if with {
		if inner = e.t; inner == mixedType {
			return nil, decline("with of and/or of several types")
		}
	}
	yes, err := c.list(n.List, inner)
	if err != nil {
		return nil, err
	}
	no, err := c.list(n.ElseList, t)
	if err != nil {
		return nil, err
	}
	if !with {
		return func(r *runner, dot reflect.Value) {
			if truth(e.eval(r, dot)) {
				yes(r, dot)
			} else {
				no(r, dot)
			}
		}, nil
	}
	return func(r *runner, dot reflect.Value) {
		if v := e.eval(r, dot); truth(v) {
			yes(r, value(e.t, v))
		} else {
			no(r, dot)
		}
	}, nil
}

// value is v as a reflect.Value of type t.
func value(t reflect.Type, v val) reflect.Value {
	if v.rv.IsValid() {
		return v.rv
	}
	switch kindOf(t) {
	case reflect.String:
		return reflect.ValueOf(v.s).Convert(t)
	case reflect.Int:
		return reflect.ValueOf(v.n).Convert(t)
	}
	return reflect.ValueOf(v.b).Convert(t)
}

// truthOf is text/template's truth for values of type t.
func truthOf(t reflect.Type) (func(val) bool, error) {
	switch kindOf(t) {
	case reflect.String:
		return func(v val) bool { return v.s != "" }, nil
	case reflect.Int:
		return func(v val) bool { return v.n != 0 }, nil
	case reflect.Bool:
		return func(v val) bool { return v.b }, nil
	case reflect.Slice, reflect.Array, reflect.Map:
		return func(v val) bool { return v.rv.Len() > 0 }, nil
	case reflect.Struct:
		if t == mixedType {
			return func(v val) bool { return v.b }, nil
		}
		return func(val) bool { return true }, nil
	case reflect.Pointer:
		return func(v val) bool { return !v.rv.IsNil() }, nil
	}
	return nil, decline("truth of %s", t)
}

// rangeNode ranges over a slice.
func (c *compiler) rangeNode(n *parse.RangeNode, t reflect.Type) (code, error) {
	if len(n.Pipe.Decl) > 0 {
		return nil, decline("variable in %s", n)
	}
	e, err := c.pipe(n.Pipe, t)
	if err != nil {
		return nil, err
	}
	if e.t.Kind() != reflect.Slice {
		return nil, decline("range over %s", e.t)
	}
	body, err := c.list(n.List, e.t.Elem())
	if err != nil {
		return nil, err
	}
	no, err := c.list(n.ElseList, t)
	if err != nil {
		return nil, err
	}
	return func(r *runner, dot reflect.Value) {
		s := e.eval(r, dot).rv
		if s.Len() == 0 {
			no(r, dot)
		}
		for i := range s.Len() {
			body(r, s.Index(i))
		}
	}, nil
}

// call is {{template "name" pipeline}}.
func (c *compiler) call(n *parse.TemplateNode, t reflect.Type) (code, error) {
	if n.Pipe == nil {
		return nil, decline("template %q without data", n.Name)
	}
	e, err := c.pipe(n.Pipe, t)
	if err != nil {
		return nil, err
	}
	if e.t == mixedType {
		return nil, decline("template %q with and/or of several types", n.Name)
	}
	run, err := c.template(n.Name, e.t)
	if err != nil {
		return nil, err
	}
	return func(r *runner, dot reflect.Value) { (*run)(r, value(e.t, e.eval(r, dot))) }, nil
}
