// Package health tracks the state of the services Herald depends on (Redis,
// each SMTP relay, Slack) in one registry: the channels report what they
// see, live probes run when asked, and /readyz and the dispatch runner read
// the result. A dependency that is down holds deliveries; it never makes a
// reader's subscription fail.
package health

import (
	"context"
	"errors"
	"sync"
	"time"
)

// States a dependency can be in.
const (
	StateUp           = "up"
	StateDown         = "down"
	StateUnconfigured = "unconfigured" // not set up: its deliveries are held
)

// State is one dependency's state as /readyz reports it.
type State struct {
	Name      string    `json:"name"`
	State     string    `json:"state"`
	Critical  bool      `json:"critical"`             // down: the whole service is unavailable
	LastError string    `json:"last_error,omitempty"` // the latest failure, kept after recovery
	Since     time.Time `json:"since"`                // when the state last changed
}

// Dep is one dependency. Its methods are safe for concurrent use.
type Dep struct {
	name     string
	critical bool
	now      func() time.Time
	probe    func(ctx context.Context) error // live check at report time; nil: reported state only

	mu         sync.Mutex
	st         State
	recovering bool // a Recover loop is running
}

// Up records a success.
func (d *Dep) Up() { d.set(StateUp, "") }

// Down records a failure; err's text becomes the last error.
func (d *Dep) Down(err error) {
	if err == nil {
		err = errors.New("unknown failure")
	}
	d.set(StateDown, err.Error())
}

// Unconfigured records that the dependency is not set up, and why.
func (d *Dep) Unconfigured(why string) { d.set(StateUnconfigured, why) }

func (d *Dep) set(state, lastErr string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.st.State != state {
		d.st.State, d.st.Since = state, d.now()
	}
	if lastErr != "" {
		d.st.LastError = lastErr
	}
}

// State is the dependency's current state.
func (d *Dep) State() State {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.st
}

// Available reports whether deliveries through the dependency may go ahead.
func (d *Dep) Available() bool { return d.State().State == StateUp }

// Name is the dependency's name.
func (d *Dep) Name() string { return d.name }

// Registry is the list of named dependencies, in the order added.
type Registry struct {
	now  func() time.Time
	mu   sync.Mutex
	deps []*Dep
}

// New returns an empty registry reading time from now (time.Now when nil).
func New(now func() time.Time) *Registry {
	if now == nil {
		now = time.Now
	}
	return &Registry{now: now}
}

// Option configures a dependency.
type Option func(*Dep)

// Critical marks a dependency without which nothing works (Redis).
func Critical() Option { return func(d *Dep) { d.critical = true } }

// Probe gives a dependency a live check run at every Report.
func Probe(fn func(ctx context.Context) error) Option { return func(d *Dep) { d.probe = fn } }

// Add registers a dependency, up until told otherwise, and returns it. A
// name already registered returns the dependency registered first.
func (r *Registry) Add(name string, opts ...Option) *Dep {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, d := range r.deps {
		if d.name == name {
			return d
		}
	}
	d := &Dep{name: name, now: r.now}
	for _, o := range opts {
		o(d)
	}
	d.st = State{Name: name, State: StateUp, Critical: d.critical, Since: r.now()}
	r.deps = append(r.deps, d)
	return d
}

// Report runs the live probes and returns every dependency's state.
func (r *Registry) Report(ctx context.Context) []State {
	r.mu.Lock()
	deps := append([]*Dep(nil), r.deps...)
	r.mu.Unlock()
	out := make([]State, len(deps))
	for i, d := range deps {
		if d.probe != nil {
			d.record(d.probe(ctx))
		}
		out[i] = d.State()
	}
	return out
}

func (d *Dep) record(err error) {
	if err != nil {
		d.Down(err)
		return
	}
	d.Up()
}

// Summary is "ready" when everything is up (or deliberately not set up),
// "degraded" when a non-critical dependency is down, "unavailable" when a
// critical one is.
func Summary(states []State) string {
	out := "ready"
	for _, s := range states {
		switch {
		case s.State == StateDown && s.Critical:
			return "unavailable"
		case s.State == StateDown:
			out = "degraded"
		}
	}
	return out
}
