package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/marcboeker/go-duckdb"

	"github.com/msgmon/msgmon/sim/experiment"
)

// MergeError is a merge refused because of its input (shards of two
// studies or two versions, a file that is not a shard, a run stored
// differently twice, runs missing): the message says what to change, and
// the output database is as it was.
type MergeError struct{ msg string }

func (e *MergeError) Error() string { return "merge: " + e.msg }

func refuse(format string, args ...any) error { return &MergeError{fmt.Sprintf(format, args...)} }

// MergeOptions: AllowPartial merges even when runs the study expects are
// in no shard (the report names them all the same).
type MergeOptions struct {
	AllowPartial bool
}

// MissingRuns are runs the study expects that neither the shards nor the
// output hold, by the shard that should have made them (Shard is the zero
// value when no shard of the study recorded its count).
type MissingRuns struct {
	Shard experiment.Shard
	Keys  []string
}

// MergeReport says what a merge did.
type MergeReport struct {
	StudyID, Kind, Name, Version string
	Expected                     int   // runs the study expects
	Copied                       int   // runs copied into the output now
	Present                      int   // runs of the study the output already held, identical
	Duplicates                   int   // runs found in more than one shard, identical, copied once
	Rows                         int64 // rows copied, over all tables
	Missing                      []MissingRuns
	Shards                       []experiment.Shard // the shards of the study recorded in the inputs, in order
	Committed                    bool               // with an error: the merge was stopped while it committed, and is in the output
}

// MissingCount is the number of runs missing.
func (r *MergeReport) MissingCount() int {
	n := 0
	for _, m := range r.Missing {
		n += len(m.Keys)
	}
	return n
}

// mergeTables are the tables holding a run's rows besides runs, with their
// columns (run_id first).
func mergeTables() [][2]any {
	return [][2]any{
		{"daily", columnNames(dailyColumns)},
		{"business_summary", columnNames(businessColumns)},
		{"segment_summary", columnNames(segmentColumns)},
		{"business_channels", columnNames(channelColumns)},
	}
}

const runsColumns = "run_id, batch_id, run_key, scenario, scenario_hash, scenario_json, arm, models, replicate, seed, users, businesses, days, workers, msgmon_version, started_at, finished_at, status, params"

// studyOf is one input's study.
type studyOf struct {
	path                          string
	id, kind, name, hash, version string
}

// Merge copies the runs of the shard databases at sources into the
// database at out (created if missing), in one transaction: a run already
// in out, or in an earlier shard, with the same content is not copied
// again; one with different content refuses the merge, naming both
// places. Every input must be a shard of the same study written by the
// same msgmon version. Runs the study expects that no input holds refuse
// the merge unless opt.AllowPartial.
//
// Everything that can refuse the merge (a *MergeError) is checked with
// every file opened read-only, before out is opened for writing, so a
// refused merge leaves out byte for byte as it was. A merge that fails or
// is interrupted (ctx cancelled) before its commit leaves out as it was
// too: an existing out is rolled back (it is opened without the schema
// set-up Open does, which would rewrite it), and a new out is written to
// a temporary file in its folder and renamed into place only once
// complete, so no out is left behind that did not exist. ctx cancelled
// while the commit of an existing out is under way cannot stop it: the
// error then wraps context.Canceled and rep.Committed says the merge is
// in out.
//
// Content is every column of a run's rows but its run_id, the
// times it started and finished, and workers (how many cores it used,
// which the results do not depend on).
func Merge(ctx context.Context, out string, sources []string, opt MergeOptions) (rep *MergeReport, err error) {
	outAbs, err := filepath.Abs(out)
	if err != nil {
		return nil, fmt.Errorf("merge: %w", err)
	}
	outSt, statErr := os.Stat(outAbs)
	exists := statErr == nil
	var srcs []string
	for _, s := range sources {
		abs, err := filepath.Abs(s)
		if err != nil {
			return nil, fmt.Errorf("merge: %w", err)
		}
		if st, err := os.Stat(abs); abs == outAbs || (exists && err == nil && os.SameFile(st, outSt)) {
			return nil, refuse("%s is both the output and a shard; name a new or another output file", s)
		}
		if !slices.Contains(srcs, abs) { // the same shard twice adds nothing
			srcs = append(srcs, abs)
		}
	}
	if len(srcs) == 0 {
		return nil, refuse("no shard databases to merge")
	}
	if !exists {
		if _, err := os.Stat(outAbs + ".wal"); err == nil {
			return nil, refuse("%s does not exist but its write-ahead log %s.wal does (a log of no database, which DuckDB would replay into it); move the log away, or name another output", outAbs, outAbs)
		}
	}
	p, err := planMerge(ctx, outAbs, exists, srcs, opt)
	if cerr := ctx.Err(); err != nil && cerr != nil {
		// Stopped while it checked: DuckDB's words for it may read as a
		// refusal.
		return nil, fmt.Errorf("merge: %w", cerr)
	}
	if err != nil {
		if p != nil {
			return p.rep, err
		}
		return nil, err
	}
	if exists {
		return mergeInto(ctx, outAbs, p, srcs)
	}
	return mergeNew(ctx, outAbs, p, srcs)
}

// mergeHook, if set (by tests), is called at each stage of the writing
// part of a merge ("copy": in the transaction, before the rows are
// copied; "commit": just before the commit); an error it returns fails
// the merge there.
var mergeHook func(stage string) error

// mergeInto merges into the existing database at abs, in place.
func mergeInto(ctx context.Context, abs string, p *mergePlan, srcs []string) (*MergeReport, error) {
	openMu.Lock()
	if openWriters[abs] {
		openMu.Unlock()
		return nil, fmt.Errorf("store: database %s is in use: this msgmon process has it open for writing already; close it first", abs)
	}
	// Not Open: its schema set-up would rewrite the file even if the merge
	// then stops. planMerge checked the file has this schema version.
	db, err := open(ctx, abs, false, "")
	if err != nil {
		openMu.Unlock()
		return nil, err
	}
	openWriters[abs] = true
	openMu.Unlock()
	rep, err := db.copyRuns(ctx, p, srcs, true)
	if cerr := db.Close(); err == nil && cerr != nil {
		return nil, cerr
	}
	return rep, err
}

// mergeNew merges into a new database at abs: into a temporary file in
// its folder, renamed to abs once the merge is complete.
func mergeNew(ctx context.Context, abs string, p *mergePlan, srcs []string) (rep *MergeReport, err error) {
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return nil, fmt.Errorf("merge: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(abs), "."+filepath.Base(abs)+".merge-*")
	if err != nil {
		return nil, fmt.Errorf("merge: %w", err)
	}
	tmp := f.Name()
	f.Close()
	os.Remove(tmp) // DuckDB creates a database only where there is no file
	defer func() {
		if err != nil {
			os.Remove(tmp)
			os.Remove(tmp + ".wal")
		}
	}()
	db, err := Open(ctx, tmp)
	if err != nil {
		return nil, err
	}
	rep, err = db.copyRuns(ctx, p, srcs, false)
	if cerr := db.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err == nil {
		err = ctx.Err() // stopped during the commit: the new output is not made
	}
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(tmp + ".wal"); err == nil {
		return nil, fmt.Errorf("merge: %s kept a write-ahead log after it was closed", tmp)
	}
	// Link fails, rather than replace, if abs appeared meanwhile.
	if err := os.Link(tmp, abs); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("merge: %s was made by another program during the merge; merge again", abs)
		}
		if _, serr := os.Stat(abs); serr == nil {
			return nil, fmt.Errorf("merge: %s was made by another program during the merge; merge again", abs)
		}
		if err := os.Rename(tmp, abs); err != nil {
			return nil, fmt.Errorf("merge: %w", err)
		}
		return rep, nil
	}
	os.Remove(tmp)
	return rep, nil
}

// checkInputs attaches every input read-only on conn (shard i as
// msgmon_check_i, out, if it exists, as msgmon_check_out) and checks they
// are shards of one study, of this schema and one version; and that out,
// if it exists, is a msgmon database of this schema that does not hold
// the study from another version.
func checkInputs(ctx context.Context, conn *sql.Conn, outAbs string, srcs []string) (*studyOf, error) {
	var first *studyOf
	for i, p := range srcs {
		s, err := inspect(ctx, conn, fmt.Sprintf("msgmon_check_%d", i), p, true)
		if err != nil {
			return nil, err
		}
		if first == nil {
			first = s
			continue
		}
		switch {
		case s.id != first.id || s.hash != first.hash:
			return nil, refuse("%s and %s are shards of two different studies (%s %s, %s %s); merge the shards of each study into its own output",
				first.path, s.path, first.kind, first.id, s.kind, s.id)
		case s.version != first.version:
			return nil, refuse("%s was written by msgmon %s and %s by msgmon %s; the runs of two versions may differ: run every shard with one version, then merge",
				first.path, first.version, s.path, s.version)
		}
	}
	if _, err := os.Stat(outAbs); err == nil {
		if _, err := inspect(ctx, conn, "msgmon_check_out", outAbs, false); err != nil {
			return nil, err
		}
		var version, hash string
		err := conn.QueryRowContext(ctx, "SELECT msgmon_version, study_hash FROM msgmon_check_out.studies WHERE study_id = ?", first.id).Scan(&version, &hash)
		if err == nil && (version != first.version || hash != first.hash) {
			return nil, refuse("%s already holds study %s from msgmon %s; the shards are from msgmon %s: merge them into another output",
				outAbs, first.id, version, first.version)
		}
		if err != nil && !errors.Is(err, sql.ErrNoRows) && !strings.Contains(err.Error(), "does not exist") {
			return nil, fmt.Errorf("merge: %s: %w", outAbs, err)
		}
	}
	return first, nil
}

// inspect attaches the file at p read-only as alias and checks it is a
// msgmon database of this schema version; of a shard (one study) when
// shard is set.
func inspect(ctx context.Context, conn *sql.Conn, alias, p string, shard bool) (*studyOf, error) {
	if _, err := os.Stat(p); err != nil {
		return nil, refuse("%s: %v; name the shard databases the shards wrote", p, err)
	}
	if strings.ContainsAny(p, "'") {
		return nil, refuse("%s: a path with a quote cannot be merged; rename it", p)
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("ATTACH '%s' AS %s (READ_ONLY)", p, alias)); err != nil {
		if isLockError(err) {
			return nil, inUseError(p, err)
		}
		if _, werr := os.Stat(p + ".wal"); werr == nil {
			return nil, refuse("%s cannot be opened with its write-ahead log %s.wal (%v): a shard stopped while it wrote; run that shard again (it repairs the file and resumes), then merge", p, p, err)
		}
		return nil, refuse("%s is not a msgmon database (DuckDB cannot open it: %v); name the files msgmon compare, sweep or sensitivity wrote with --shard", p, err)
	}
	have := map[string]bool{}
	rows, err := conn.QueryContext(ctx, "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main'", alias)
	if err != nil {
		return nil, fmt.Errorf("merge: %s: %w", p, err)
	}
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return nil, fmt.Errorf("merge: %s: %w", p, err)
		}
		have[t] = true
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("merge: %s: %w", p, err)
	}
	for _, t := range []string{"schema_version", "runs", "daily", "business_summary", "segment_summary", "business_channels"} {
		if !have[t] {
			return nil, refuse("%s is a DuckDB file but not a msgmon database (it has no %s table); name the files msgmon compare, sweep or sensitivity wrote with --shard", p, t)
		}
	}
	var v int
	if err := conn.QueryRowContext(ctx, fmt.Sprintf("SELECT max(version) FROM %s.schema_version", alias)).Scan(&v); err != nil {
		return nil, refuse("%s is not a msgmon database (its schema_version cannot be read: %v)", p, err)
	}
	if v != schemaVersion && !shard && v < schemaVersion {
		return nil, refuse("the output %s has schema version %d, older than this msgmon's %d: upgrade it first (msgmon query --db %s \"SELECT 1\" does), or merge into a new output", p, v, schemaVersion, p)
	}
	if v != schemaVersion {
		return nil, refuse("%s has schema version %d, this msgmon writes %d: it was written by another msgmon version; merge with that version, or run the shards again with this one", p, v, schemaVersion)
	}
	if !shard {
		return nil, nil
	}
	if !have["studies"] {
		return nil, refuse("%s is a msgmon database but not a shard of a study (it records no study); shards are written by msgmon compare, sweep or sensitivity with --shard I/N", p)
	}
	var studies []studyOf
	rows, err = conn.QueryContext(ctx, fmt.Sprintf("SELECT study_id, kind, name, study_hash, msgmon_version FROM %s.studies ORDER BY study_id", alias))
	if err != nil {
		return nil, fmt.Errorf("merge: %s: %w", p, err)
	}
	for rows.Next() {
		s := studyOf{path: p}
		if err := rows.Scan(&s.id, &s.kind, &s.name, &s.hash, &s.version); err != nil {
			rows.Close()
			return nil, fmt.Errorf("merge: %s: %w", p, err)
		}
		studies = append(studies, s)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("merge: %s: %w", p, err)
	}
	switch len(studies) {
	case 0:
		return nil, refuse("%s is a msgmon database but not a shard of a study (it records no study); shards are written by msgmon compare, sweep or sensitivity with --shard I/N", p)
	case 1:
		return &studies[0], nil
	}
	var ids []string
	for _, s := range studies {
		ids = append(ids, s.id)
	}
	return nil, refuse("%s holds %d studies (%s); a shard holds one: give each study's shards their own --db", p, len(studies), strings.Join(ids, ", "))
}

// runPrint is a stored run's content in one string, and where it is.
type runPrint struct {
	src   int // index of the source; -1: the output
	runID int64
	print string
}

// fingerprints returns the content of every run of study id in the
// catalog cat ("" for the output itself, else "alias.").
func fingerprints(ctx context.Context, conn *sql.Conn, cat, id string, src int) (map[string]runPrint, error) {
	var with, sel, joins []string
	with = append(with, fmt.Sprintf(`r AS (SELECT run_id, run_key, hash(run_key, scenario, scenario_hash, CAST(scenario_json AS VARCHAR), arm, models,
		replicate, seed, users, businesses, days, msgmon_version, status, CAST(params AS VARCHAR)) AS h FROM %sruns WHERE batch_id = ?)`, cat))
	sel = append(sel, "CAST(r.h AS VARCHAR)")
	for i, t := range mergeTables() {
		name, cols := t[0].(string), t[1].([]string)
		a := fmt.Sprintf("t%d", i)
		with = append(with, fmt.Sprintf("%s AS (SELECT run_id, count(*) AS n, sum(hash(%s)) AS h FROM %s%s WHERE run_id IN (SELECT run_id FROM r) GROUP BY run_id)",
			a, strings.Join(cols[1:], ", "), cat, name))
		sel = append(sel, fmt.Sprintf("CAST(coalesce(%[1]s.n, 0) AS VARCHAR)", a), fmt.Sprintf("coalesce(CAST(%[1]s.h AS VARCHAR), '0')", a))
		joins = append(joins, fmt.Sprintf("LEFT JOIN %[1]s USING (run_id)", a))
	}
	q := "WITH " + strings.Join(with, ",\n") + "\nSELECT r.run_key, r.run_id, concat_ws('|', " + strings.Join(sel, ", ") + ") FROM r " + strings.Join(joins, " ")
	rows, err := conn.QueryContext(ctx, q, id)
	if err != nil {
		return nil, fmt.Errorf("merge: fingerprints: %w", err)
	}
	defer rows.Close()
	out := map[string]runPrint{}
	for rows.Next() {
		var k string
		p := runPrint{src: src}
		if err := rows.Scan(&k, &p.runID, &p.print); err != nil {
			return nil, fmt.Errorf("merge: fingerprints: %w", err)
		}
		if _, dup := out[k]; dup {
			return nil, refuse("run %s is stored twice in %s; run the shard again into a new --db", k, map[bool]string{true: "the output", false: "one shard"}[src < 0])
		}
		out[k] = p
	}
	return out, rows.Err()
}

// mergePlan is what a merge will do, worked out with every file read-only:
// the report, the runs to copy (by run key: the shard and its run id
// there), each run's place in the study, and what the output held.
type mergePlan struct {
	st     *studyOf
	rep    *MergeReport
	chosen map[string]runPrint
	seq    map[string]int
	have   map[string]runPrint
}

// planMerge checks the inputs and works out the merge on an in-memory
// database that attaches every shard, and the output if it exists,
// read-only: everything that refuses a merge is found here, before the
// output is opened for writing. With a refusal for runs missing, the
// plan's report (listing them) comes with the error.
func planMerge(ctx context.Context, outAbs string, exists bool, srcs []string, opt MergeOptions) (*mergePlan, error) {
	connector, err := duckdb.NewConnector("", nil)
	if err != nil {
		return nil, fmt.Errorf("merge: %w", err)
	}
	mem := sql.OpenDB(connector)
	defer mem.Close()
	conn, err := mem.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("merge: %w", err)
	}
	defer conn.Close()
	st, err := checkInputs(ctx, conn, outAbs, srcs)
	if err != nil {
		return nil, err
	}
	alias := func(i int) string { return fmt.Sprintf("msgmon_check_%d", i) }
	rep := &MergeReport{StudyID: st.id, Kind: st.kind, Name: st.name, Version: st.version}

	// What the output holds already, and what each shard brings.
	have := map[string]runPrint{}
	if exists {
		if have, err = fingerprints(ctx, conn, "msgmon_check_out.", st.id, -1); err != nil {
			return nil, err
		}
	}
	chosen := map[string]runPrint{}
	for i, p := range srcs {
		fp, err := fingerprints(ctx, conn, alias(i)+".", st.id, i)
		if err != nil {
			return nil, err
		}
		keys := make([]string, 0, len(fp))
		for k := range fp {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			f := fp[k]
			if o, ok := have[k]; ok {
				if o.print != f.print {
					return nil, refuse("run %s is in the output %s and in %s with different content (run %d there, %d here); the shards were run with different inputs: merge into a new output",
						k, outAbs, p, o.runID, f.runID)
				}
				rep.Present++
				continue
			}
			if o, ok := chosen[k]; ok {
				if o.print != f.print {
					return nil, refuse("run %s is in %s and in %s with different content; the shards were run with different inputs: run them again from one study file",
						k, srcs[o.src], p)
				}
				rep.Duplicates++
				continue
			}
			chosen[k] = f
		}
	}

	// The runs the study expects, in its order, and its shards.
	var parts []string
	for i := range srcs {
		parts = append(parts, fmt.Sprintf("SELECT seq, run_key, cost FROM %s.study_runs WHERE study_id = $1", alias(i)))
	}
	if exists {
		parts = append(parts, "SELECT seq, run_key, cost FROM msgmon_check_out.study_runs WHERE study_id = $1")
	}
	rows, err := conn.QueryContext(ctx, "SELECT DISTINCT seq, run_key, cost FROM ("+strings.Join(parts, " UNION ALL ")+") ORDER BY seq", st.id)
	if err != nil {
		return nil, fmt.Errorf("merge: study runs: %w", err)
	}
	var units []experiment.Unit
	seq := map[string]int{}
	for rows.Next() {
		var u experiment.Unit
		var s int
		if err := rows.Scan(&s, &u.Key, &u.Cost); err != nil {
			rows.Close()
			return nil, fmt.Errorf("merge: study runs: %w", err)
		}
		if _, dup := seq[u.Key]; dup {
			rows.Close()
			return nil, refuse("the shards list run %s of study %s differently; run them again from one study file", u.Key, st.id)
		}
		seq[u.Key] = s
		units = append(units, u)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("merge: study runs: %w", err)
	}
	rep.Expected = len(units)
	for k, c := range chosen {
		if _, ok := seq[k]; !ok {
			return nil, refuse("run %s in %s is not a run of study %s; the shard was run with another study file", k, srcs[c.src], st.id)
		}
	}
	parts = parts[:0]
	for i := range srcs {
		parts = append(parts, fmt.Sprintf("SELECT shard_index, shard_count FROM %s.study_shards WHERE study_id = $1", alias(i)))
	}
	rows, err = conn.QueryContext(ctx, "SELECT DISTINCT shard_index, shard_count FROM ("+strings.Join(parts, " UNION ALL ")+") ORDER BY shard_count, shard_index", st.id)
	if err != nil {
		return nil, fmt.Errorf("merge: study shards: %w", err)
	}
	for rows.Next() {
		var s experiment.Shard
		if err := rows.Scan(&s.Index, &s.Count); err != nil {
			rows.Close()
			return nil, fmt.Errorf("merge: study shards: %w", err)
		}
		rep.Shards = append(rep.Shards, s)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("merge: study shards: %w", err)
	}

	// Runs no one has, by the shard that should have made them (split as
	// the shards split them: by the largest count they recorded).
	count := 0
	for _, s := range rep.Shards {
		count = max(count, s.Count)
	}
	var assign []int
	if count > 0 {
		assign = experiment.Assign(units, count)
	}
	byShard := map[int][]string{}
	for i, u := range units {
		if _, ok := have[u.Key]; ok {
			continue
		}
		if _, ok := chosen[u.Key]; ok {
			continue
		}
		s := 0
		if assign != nil {
			s = assign[i]
		}
		byShard[s] = append(byShard[s], u.Key)
	}
	for s := 0; s <= count; s++ {
		if keys := byShard[s]; len(keys) > 0 {
			m := MissingRuns{Keys: keys}
			if s > 0 {
				m.Shard = experiment.Shard{Index: s, Count: count}
			}
			rep.Missing = append(rep.Missing, m)
		}
	}
	if n := rep.MissingCount(); n > 0 && !opt.AllowPartial {
		var parts []string
		for _, m := range rep.Missing {
			who := "no recorded shard"
			if m.Shard.Count > 0 {
				who = "shard " + m.Shard.String()
			}
			parts = append(parts, fmt.Sprintf("%s: %d (first %s)", who, len(m.Keys), m.Keys[0]))
		}
		return &mergePlan{rep: rep}, refuse("study %s expects %d runs; %d are in no shard given (%s): run the missing shards again (they resume) and merge them too, or pass --allow-partial to merge what there is",
			st.id, rep.Expected, n, strings.Join(parts, "; "))
	}
	return &mergePlan{st: st, rep: rep, chosen: chosen, seq: seq, have: have}, nil
}

// copyRuns copies the plan's runs into db, in one transaction: each
// run's rows, then its runs row (as WriteRun does), with new run ids in
// the study's order. existing: db is the output as planMerge saw it (not
// one made for the merge), so rows of no run that a killed write left are
// removed first, in the same transaction, as Open would.
func (db *DB) copyRuns(ctx context.Context, p *mergePlan, srcs []string, existing bool) (*MergeReport, error) {
	db.wmu.Lock()
	defer db.wmu.Unlock()
	st, rep, chosen, seq := p.st, p.rep, p.chosen, p.seq
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return nil, stopped(ctx, fmt.Errorf("merge: %w", err))
	}
	defer conn.Close()
	alias := func(i int) string { return fmt.Sprintf("msgmon_shard_%d", i) }
	for i, p := range srcs {
		if _, err := conn.ExecContext(ctx, fmt.Sprintf("ATTACH '%s' AS %s (READ_ONLY)", p, alias(i))); err != nil {
			if isLockError(err) {
				return nil, inUseError(p, err)
			}
			return nil, stopped(ctx, fmt.Errorf("merge: %s: %w", p, err))
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "DETACH "+alias(i))
	}
	// Copy, in one transaction: each run's rows, then its runs row (as
	// WriteRun does), with new run ids in the study's order.
	order := make([]string, 0, len(chosen))
	for k := range chosen {
		order = append(order, k)
	}
	slices.SortFunc(order, func(a, b string) int { return seq[a] - seq[b] })
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return nil, stopped(ctx, fmt.Errorf("merge: begin: %w", err))
	}
	committed := false
	defer func() {
		if !committed {
			conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	if err := hook("copy"); err != nil {
		return nil, err
	}
	// The output as planned: no other program merged into it meanwhile.
	if existing {
		now, err := fingerprints(ctx, conn, "", st.id, -1)
		if err != nil {
			return nil, stopped(ctx, err)
		}
		if !maps.Equal(now, p.have) {
			return nil, stopped(ctx, fmt.Errorf("merge: %s changed while the merge was checked (another program wrote to it); merge again", db.path))
		}
		for _, t := range []string{"daily", "business_summary", "segment_summary", "business_channels"} {
			if _, err := conn.ExecContext(ctx, "DELETE FROM "+t+" WHERE run_id NOT IN (SELECT run_id FROM runs)"); err != nil {
				return nil, stopped(ctx, fmt.Errorf("merge: remove rows of no run from %s: %w", t, err))
			}
		}
	}
	var next int64
	if err := conn.QueryRowContext(ctx, "SELECT COALESCE(max(run_id), 0) + 1 FROM runs").Scan(&next); err != nil {
		return nil, stopped(ctx, fmt.Errorf("merge: run ids: %w", err))
	}
	pairs := make([][]string, len(srcs))
	for _, k := range order {
		c := chosen[k]
		pairs[c.src] = append(pairs[c.src], fmt.Sprintf("(%d, %d)", c.runID, next))
		next++
	}
	for i, ps := range pairs {
		if len(ps) == 0 {
			continue
		}
		for lo := 0; lo < len(ps); lo += 1000 {
			m := "(VALUES " + strings.Join(ps[lo:min(lo+1000, len(ps))], ", ") + ") AS m(old_id, new_id)"
			for _, t := range mergeTables() {
				name, cols := t[0].(string), t[1].([]string)
				res, err := conn.ExecContext(ctx, fmt.Sprintf("INSERT INTO %[1]s (%[2]s) SELECT m.new_id, s.%[3]s FROM %[4]s.%[1]s s JOIN %[5]s ON s.run_id = m.old_id",
					name, strings.Join(cols, ", "), strings.Join(cols[1:], ", s."), alias(i), m))
				if err != nil {
					return nil, stopped(ctx, fmt.Errorf("merge: copy %s from %s: %w", name, srcs[i], err))
				}
				n, _ := res.RowsAffected()
				rep.Rows += n
			}
			rest := strings.TrimPrefix(runsColumns, "run_id, ")
			res, err := conn.ExecContext(ctx, fmt.Sprintf("INSERT INTO runs (%s) SELECT m.new_id, s.%s FROM %s.runs s JOIN %s ON s.run_id = m.old_id",
				runsColumns, strings.ReplaceAll(rest, ", ", ", s."), alias(i), m))
			if err != nil {
				return nil, stopped(ctx, fmt.Errorf("merge: copy runs from %s: %w", srcs[i], err))
			}
			n, _ := res.RowsAffected()
			rep.Rows += n
			rep.Copied += int(n)
		}
	}
	// The study's records, so that the output can itself be merged on, and
	// a sweep's design, for its views.
	for i := range srcs {
		a := alias(i)
		for _, q := range []string{
			"INSERT INTO studies SELECT * FROM %[1]s.studies s WHERE s.study_id = $1 AND NOT EXISTS (SELECT 1 FROM studies o WHERE o.study_id = s.study_id)",
			"INSERT INTO study_runs SELECT * FROM %[1]s.study_runs s WHERE s.study_id = $1 AND NOT EXISTS (SELECT 1 FROM study_runs o WHERE o.study_id = s.study_id AND o.run_key = s.run_key)",
			"INSERT INTO study_shards SELECT * FROM %[1]s.study_shards s WHERE s.study_id = $1 AND NOT EXISTS (SELECT 1 FROM study_shards o WHERE o.study_id = s.study_id AND o.shard_index = s.shard_index AND o.shard_count = s.shard_count)",
			"INSERT INTO sweeps SELECT * FROM %[1]s.sweeps s WHERE s.sweep_id = $1 AND NOT EXISTS (SELECT 1 FROM sweeps o WHERE o.sweep_id = s.sweep_id)",
			"INSERT INTO sweep_points SELECT * FROM %[1]s.sweep_points s WHERE s.sweep_id = $1 AND NOT EXISTS (SELECT 1 FROM sweep_points o WHERE o.sweep_id = s.sweep_id AND o.point = s.point)",
		} {
			if _, err := conn.ExecContext(ctx, fmt.Sprintf(q, a), st.id); err != nil {
				return nil, stopped(ctx, fmt.Errorf("merge: study records from %s: %w", srcs[i], err))
			}
		}
	}
	if err := recreateSweepViews(ctx, conn); err != nil {
		return nil, stopped(ctx, fmt.Errorf("merge: sweep views: %w", err))
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("merge: %w", err)
	}
	if err := hook("commit"); err != nil {
		return nil, err
	}
	// From here the merge completes, whatever ctx says.
	if _, err := conn.ExecContext(context.WithoutCancel(ctx), "COMMIT"); err != nil {
		return nil, fmt.Errorf("merge: commit: %w", err)
	}
	committed = true
	_, _ = conn.ExecContext(context.WithoutCancel(ctx), "CHECKPOINT")
	if err := ctx.Err(); err != nil {
		rep.Committed = true
		return rep, fmt.Errorf("merge: stopped while it committed; the commit completed: %w", err)
	}
	return rep, nil
}

// hook calls mergeHook, if set, at stage.
func hook(stage string) error {
	if mergeHook == nil {
		return nil
	}
	if err := mergeHook(stage); err != nil {
		return fmt.Errorf("merge: %s: %w", stage, err)
	}
	return nil
}

// stopped is err, or ctx's error if ctx was cancelled: DuckDB reports a
// statement cut short by the cancellation in words of its own.
func stopped(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("merge: %w", cerr)
	}
	return err
}
