package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/msgmon/msgmon/datasets"
	"github.com/msgmon/msgmon/datasets/study"
)

// The paths a command reads and writes, checked before it does any work:
// no output may name the results database, a file the command reads or
// another output of the same command, with --force or not; an output file
// must not be a folder, an output folder not a file, and neither may lie
// under a file. Every command calls checkPaths with what it reads and
// writes as soon as it knows the paths.

// pathArg is a path from the command line, named as the user gave it.
type pathArg struct {
	name string // how the user gave it: "--save", "--db", "the study"
	path string
	// folder: a folder the command writes files into, or reads.
	folder bool
	// writes, of an output folder: whether the file at rel (a
	// slash-separated path inside it) is one the command may write or
	// replace; nil: any.
	writes func(rel string) bool
	// needParent, of an output file: its folder must exist (the command
	// does not create it).
	needParent bool
	// example, of an output file: a file name to suggest inside a folder
	// given instead ("report.pdf").
	example string
}

// fileArg, folderArg: the common kinds of pathArg.
func fileArg(name, path string) pathArg   { return pathArg{name: name, path: path} }
func folderArg(name, path string) pathArg { return pathArg{name: name, path: path, folder: true} }

// dbArgs are the results database and its write-ahead log, which DuckDB
// keeps next to it.
func dbArgs(path string) []pathArg {
	return []pathArg{fileArg("--db "+path, path), fileArg("the write-ahead log of --db "+path+" ("+path+".wal)", path+".wal")}
}

// matching is an output folder's writes for the files named like one of
// the patterns (filepath.Match) directly inside it.
func matching(patterns ...string) func(string) bool {
	return func(rel string) bool {
		for _, p := range patterns {
			if ok, _ := filepath.Match(p, rel); ok {
				return true
			}
		}
		return false
	}
}

// checkPaths refuses, as bad input, outputs that would overwrite an input
// or another output, and paths that cannot be what they name. Give a
// path "" to leave it out.
func checkPaths(reads, writes []pathArg) error {
	keep := func(ps []pathArg) []pathArg {
		var out []pathArg
		for _, p := range ps {
			if p.path != "" {
				out = append(out, p)
			}
		}
		return out
	}
	reads, writes = keep(reads), keep(writes)
	for _, w := range writes {
		if err := checkWritable(w); err != nil {
			return err
		}
	}
	for i, w := range writes {
		for _, r := range reads {
			if clash(w, r) {
				return usageErr("%s %s, which this command reads; an output never replaces an input, --force or not: choose another %s",
					w.name, overwrites(w, r), flagOf(w))
			}
		}
		for _, o := range writes[:i] {
			if clash(w, o) || clash(o, w) {
				return usageErr("%s %s, another output of this command; each output needs a path of its own: choose another %s",
					w.name, overwrites(w, o), flagOf(w))
			}
		}
	}
	return nil
}

// overwrites says how writing w would overwrite p.
func overwrites(w, p pathArg) string {
	what := p.name
	if !strings.Contains(what, p.path) {
		what += " " + p.path
	}
	if w.folder && !p.folder {
		return "would replace " + what + " in it"
	}
	return "names the same file as " + what
}

// flagOf is the flag of an output's name ("--save" of "--save x.yaml").
func flagOf(w pathArg) string {
	f, _, _ := strings.Cut(w.name, " ")
	if !strings.HasPrefix(f, "--") {
		return "output path"
	}
	return f + " path"
}

// checkWritable refuses an output that cannot be written: a file that is
// a folder, a folder that is a file, a path under a file, a file whose
// folder must exist and does not.
func checkWritable(w pathArg) error {
	st, err := os.Stat(w.path)
	switch {
	case err == nil && w.folder && !st.IsDir():
		return usageErr("%s is a file; give a folder to write into (a new one is created), not a file", w.name)
	case err == nil && !w.folder && st.IsDir() && w.example != "":
		return usageErr("%s is a folder; give a file path, e.g. %s", w.name, filepath.Join(w.path, w.example))
	case err == nil && !w.folder && st.IsDir():
		return usageErr("%s is a folder; give a file path", w.name)
	case err == nil:
		return nil
	}
	if ancestor, ok := fileAncestor(w.path); ok {
		return usageErr("%s: %s is a file, not a folder; choose a path in a folder", w.name, ancestor)
	}
	if w.needParent {
		if _, err := os.Stat(filepath.Dir(w.path)); errors.Is(err, fs.ErrNotExist) {
			return usageErr("%s: folder %s does not exist; create it or choose a path in an existing folder", w.name, filepath.Dir(w.path))
		}
	}
	return nil
}

// fileAncestor is the nearest existing folder of path that is not a
// folder, if any: a path under a regular file cannot be created.
func fileAncestor(path string) (string, bool) {
	dir := filepath.Dir(filepath.Clean(path))
	for {
		st, err := os.Stat(dir)
		if err == nil {
			return dir, !st.IsDir()
		}
		if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR) {
			return "", false
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

// clash reports whether writing w could replace p (or what is in it).
func clash(w, p pathArg) bool {
	switch {
	case !w.folder && !p.folder:
		return sameFile(w.path, p.path)
	case w.folder && !p.folder:
		rel, ok := inside(p.path, w.path)
		return ok && (w.writes == nil || w.writes(rel))
	case !w.folder && p.folder:
		// A file written where a folder is read: only if it is that folder.
		return sameFile(w.path, p.path)
	default:
		return sameFile(w.path, p.path) && w.writes == nil && p.writes == nil
	}
}

// sameFile reports whether a and b name one file: the same absolute,
// cleaned path once symbolic links are resolved, or (both existing) the
// same file by os.SameFile, which also sees hard links.
func sameFile(a, b string) bool {
	if canonical(a) == canonical(b) {
		return true
	}
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(sa, sb)
}

// inside returns the slash-separated path of file within folder, if file
// lies in it.
func inside(file, folder string) (string, bool) {
	rel, err := filepath.Rel(canonical(folder), canonical(file))
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", false
	}
	return filepath.ToSlash(rel), true
}

// canonical is path made absolute and clean, with the symbolic links of
// its longest existing part resolved.
func canonical(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return filepath.Clean(path)
	}
	dir, rest := abs, ""
	for {
		if r, err := filepath.EvalSymlinks(dir); err == nil {
			return filepath.Join(r, rest)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return abs
		}
		rest = filepath.Join(filepath.Base(dir), rest)
		dir = parent
	}
}

// readableFile refuses, as bad input, a file the command reads (flag
// names it) that is missing or a folder; what says what it should be.
func readableFile(flag, path, what string) error {
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return usageErr("%s %s: no such file; give %s", flag, datasets.Clip(path), what)
	case err != nil:
		return usageErr("%s %s: %v; give %s", flag, datasets.Clip(path), clipPathError(err), what)
	case st.IsDir():
		return usageErr("%s %s is a folder; give %s", flag, datasets.Clip(path), what)
	}
	return nil
}

// reads are the files a command that loads a scenario reads: the
// scenario file of args and the overlay.
func (o *scenarioOptions) reads(args []string) []pathArg {
	var r []pathArg
	if len(args) > 0 {
		r = append(r, fileArg("the scenario", args[0]))
	}
	if o.Overlay != "" {
		r = append(r, fileArg("--overlay "+o.Overlay, o.Overlay))
	}
	return r
}

// studyReads are the files a study command reads: the study and its base
// scenario, if that is a file rather than an embedded scenario.
func studyReads(sw *datasets.Sweep) []pathArg {
	r := []pathArg{fileArg("the study", sw.File())}
	if base := sw.BaseName(); base != "datasets/scenarios/"+sw.Base+".yaml" {
		r = append(r, fileArg("the study's base scenario", base))
	}
	return r
}

// robustReads are the files msgmon robust reads: the scenario, the
// overlay and a plausible set read from a file.
func robustReads(o *robustOptions, plan *study.RobustPlan, args []string) []pathArg {
	r := o.reads(args)
	if o.Ranges != "" {
		r = append(r, fileArg("--ranges", o.Ranges))
	}
	if st, err := os.Stat(plan.Set.File); err == nil && !st.IsDir() {
		r = append(r, fileArg("the plausible set", plan.Set.File))
	}
	return r
}

// robustWrites are the database and, unless --no-report or a shard, the
// report next to it.
func robustWrites(o *robustOptions, plan *study.RobustPlan) []pathArg {
	w := dbArgs(o.DB)
	if !o.NoReport && o.Shard.run == nil {
		w = append(w, fileArg("the robust report", filepath.Join(filepath.Dir(o.DB), plan.ID+".pdf")))
	}
	return w
}

// fileExists reports whether something exists at path.
func fileExists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}
