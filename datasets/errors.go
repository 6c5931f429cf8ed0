package datasets

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxEcho bounds the characters of a user's value (a name, a key, a flag's
// argument) that a message repeats: enough to recognise it, not so many
// that a 40,000-character name floods the terminal.
const maxEcho = 80

// Clip is s for a message: whole when it has at most 80 characters, else
// its first 80 and its length, "xxx…(40000 characters)". Every message
// that echoes a value the user gave goes through Clip or ClipQ.
func Clip(s string) string {
	n := utf8.RuneCountInString(s)
	if n <= maxEcho {
		return s
	}
	return clipHead(s) + fmt.Sprintf("…(%d characters)", n)
}

// ClipQ is Clip for a quoted value: the quoted text, cut as Clip cuts it,
// with the length after the closing quote: "xxx"…(40000 characters).
func ClipQ(s string) string {
	n := utf8.RuneCountInString(s)
	if n <= maxEcho {
		return strconv.Quote(s)
	}
	return strconv.Quote(clipHead(s)) + fmt.Sprintf("…(%d characters)", n)
}

// clipHead is the first maxEcho characters of s.
func clipHead(s string) string {
	i, k := 0, 0
	for i < len(s) && k < maxEcho {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		k++
	}
	return s[:i]
}

// clipPath is a field path with each key clipped: paths hold the file's
// keys, which may be of any length.
func clipPath(path string) string {
	if len(path) <= maxEcho {
		return path
	}
	keys := strings.Split(path, ".")
	for i, k := range keys {
		keys[i] = Clip(k)
	}
	return strings.Join(keys, ".")
}

// utf8BOM is the byte order mark some editors and spreadsheets put at the
// start of a UTF-8 text.
var utf8BOM = []byte("\ufeff")

// stripBOM is data without a leading UTF-8 byte order mark: CSV input
// reads the same with or without it, as YAML does.
func stripBOM(data []byte) []byte { return bytes.TrimPrefix(data, utf8BOM) }

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
		b.WriteString(clipPath(p.Path))
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
