package datasets

import (
	"fmt"
	"sort"
	"strings"
)

// Problem is one thing wrong with a scenario: where it is and what to change.
type Problem struct {
	File string // file name as given to Load or Parse
	Line int    // 1-based line in the file; 0 when no line applies
	Path string // field path of YAML keys, e.g. "markets[2].share"; may be empty
	Msg  string // what is wrong and what is expected
}

// String formats the problem as "file:line: path: msg", leaving out the
// line when it is 0 and the path when it is empty.
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
	}
	b.WriteString(": ")
	if p.Path != "" {
		b.WriteString(p.Path)
		b.WriteString(": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// ScenarioError is every problem found in a scenario, ordered by line,
// problems without a line last.
type ScenarioError struct {
	Problems []Problem
}

// maxShown bounds the problems Error prints, so that a binary file does not
// flood the terminal.
const maxShown = 50

// Error returns the problems one per line.
func (e *ScenarioError) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i == maxShown {
			fmt.Fprintf(&b, "\n%s: ... and %d more problems", p.File, len(e.Problems)-maxShown)
			break
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(p.String())
	}
	return b.String()
}

// problems collects the problems of one scenario.
type problems struct {
	file string
	list []Problem
}

func (ps *problems) add(line int, path, format string, args ...any) {
	ps.list = append(ps.list, Problem{File: ps.file, Line: line, Path: path, Msg: fmt.Sprintf(format, args...)})
}

// has reports whether a problem was recorded at path or at a path under it.
func (ps *problems) has(path string) bool {
	for _, p := range ps.list {
		if p.Path == path || isUnder(path, p.Path) || isUnder(p.Path, path) {
			return true
		}
	}
	return false
}

// isUnder reports whether path lies strictly below parent.
func isUnder(path, parent string) bool {
	if parent == "" || len(path) <= len(parent) || !strings.HasPrefix(path, parent) {
		return false
	}
	c := path[len(parent)]
	return c == '.' || c == '['
}

// err returns the collected problems as a *ScenarioError, or nil.
func (ps *problems) err() error {
	if len(ps.list) == 0 {
		return nil
	}
	list := append([]Problem(nil), ps.list...)
	// By line; problems without a line (a default that breaks a rule) last.
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i].Line, list[j].Line
		return a != 0 && (b == 0 || a < b)
	})
	return &ScenarioError{Problems: list}
}
