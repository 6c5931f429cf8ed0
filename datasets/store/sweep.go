package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// sweepsDDL: one row per sweep; sweep_points: its points, each with the
// parameters it sets (the same JSON as the params of its runs).
const sweepsDDL = `CREATE TABLE IF NOT EXISTS sweeps (
	sweep_id    VARCHAR PRIMARY KEY,
	name        VARCHAR NOT NULL,
	file        VARCHAR NOT NULL,
	design      VARCHAR NOT NULL,
	points      INTEGER NOT NULL,
	replicates  INTEGER NOT NULL,
	parameters  JSON NOT NULL,
	spec        VARCHAR NOT NULL,
	created_at  TIMESTAMP NOT NULL
)`

const sweepPointsDDL = `CREATE TABLE IF NOT EXISTS sweep_points (
	sweep_id  VARCHAR NOT NULL,
	point     INTEGER NOT NULL,
	params    JSON NOT NULL,
	PRIMARY KEY (sweep_id, point)
)`

// SweepColumn is one swept parameter: its key path, its column in the
// sweep's views and the column's SQL type (DOUBLE, VARCHAR or BOOLEAN).
type SweepColumn struct {
	Path, Column, Type string
}

// SweepMeta describes a sweep for RegisterSweep.
type SweepMeta struct {
	ID, Name, File, Design string
	Replicates             int
	Columns                []SweepColumn
	Spec                   string   // the sweep file's text
	Points                 []string // each point's params JSON, by index
}

var nonIdent = regexp.MustCompile(`[^A-Za-z0-9_]+`)

// SweepView is the name of the view of a sweep's runs, one row per run with
// the parameters as columns; SweepView(name)+"_summary" has one row per
// point and arm.
func SweepView(name string) string {
	return "sweep_" + strings.ToLower(nonIdent.ReplaceAllString(name, "_"))
}

func ident(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// ErrSweepNameClash is what RegisterSweep returns for a sweep whose views
// would be those of a sweep of another name in the database.
var ErrSweepNameClash = errors.New("sweep name clash")

// checkSweepName refuses a sweep named name whose views (SweepView and its
// _summary) are a view of a sweep of another name registered on conn.
func checkSweepName(ctx context.Context, conn *sql.Conn, name string) error {
	rows, err := conn.QueryContext(ctx, "SELECT DISTINCT name FROM sweeps WHERE name <> ? ORDER BY name", name)
	if err != nil {
		return err
	}
	var others []string
	for rows.Next() {
		var o string
		if err := rows.Scan(&o); err != nil {
			rows.Close()
			return err
		}
		others = append(others, o)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return err
	}
	mine := []string{SweepView(name), SweepView(name) + "_summary"}
	for _, o := range others {
		for _, v := range []string{SweepView(o), SweepView(o) + "_summary"} {
			if slices.Contains(mine, v) {
				return fmt.Errorf("store: %w: the sweep %q would have the view %s of the sweep %q already in this database; "+
					"rename one (a view's name is the sweep's in lower case, with every run of characters other than letters, digits and '_' made one '_')",
					ErrSweepNameClash, name, v, o)
			}
		}
	}
	return nil
}

// RegisterSweep records a sweep and its points, unless already recorded
// (a sweep that resumes), and (re)creates its two views, all in one
// transaction. The views of a sweep name show its latest registration.
func (db *DB) RegisterSweep(ctx context.Context, m SweepMeta) (resumed bool, err error) {
	if db.readOnly {
		return false, ErrReadOnly
	}
	db.wmu.Lock()
	defer db.wmu.Unlock()
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return false, fmt.Errorf("store: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return false, fmt.Errorf("store: register sweep: %w", err)
	}
	done := false
	defer func() {
		if !done {
			conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	var n int
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM sweeps WHERE sweep_id = ?", m.ID).Scan(&n); err != nil {
		return false, fmt.Errorf("store: register sweep: %w", err)
	}
	resumed = n > 0
	if err := checkSweepName(ctx, conn, m.Name); err != nil {
		return false, err
	}
	if !resumed {
		cols := make([]string, len(m.Columns))
		for i, c := range m.Columns {
			cols[i] = fmt.Sprintf(`{"path": %q, "column": %q, "type": %q}`, c.Path, c.Column, c.Type)
		}
		if _, err := conn.ExecContext(ctx, `INSERT INTO sweeps VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			m.ID, m.Name, m.File, m.Design, len(m.Points), m.Replicates, "["+strings.Join(cols, ", ")+"]", m.Spec, time.Now().UTC()); err != nil {
			return false, fmt.Errorf("store: register sweep: %w", err)
		}
		err := insertChunked(ctx, conn, "sweep_points", 3, len(m.Points), func(i int) []any {
			return []any{m.ID, i, m.Points[i]}
		})
		if err != nil {
			return false, fmt.Errorf("store: register sweep points: %w", err)
		}
	}
	for _, q := range sweepViews(m) {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return false, fmt.Errorf("store: sweep views: %w", err)
		}
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return false, fmt.Errorf("store: register sweep: %w", err)
	}
	done = true
	// Out of the write-ahead log at once, as WriteRun does with each run.
	_, _ = conn.ExecContext(context.WithoutCancel(ctx), "CHECKPOINT")
	return resumed, nil
}

// recreateSweepViews makes the views of every registered sweep anew, on
// conn (inside the caller's transaction).
func recreateSweepViews(ctx context.Context, conn *sql.Conn) error {
	metas, err := sweepMetas(ctx, conn)
	if err != nil {
		return err
	}
	for _, m := range metas {
		for _, q := range sweepViews(m) {
			if _, err := conn.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("sweep %s: %w", m.ID, err)
			}
		}
	}
	return nil
}

// sweepMetas are the registered sweeps, in the order of their ids, with
// what their views need: id, name and columns.
func sweepMetas(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}) ([]SweepMeta, error) {
	rows, err := q.QueryContext(ctx, "SELECT sweep_id, name, CAST(parameters AS VARCHAR) FROM sweeps ORDER BY sweep_id")
	if err != nil {
		return nil, err
	}
	var metas []SweepMeta
	for rows.Next() {
		var m SweepMeta
		var params string
		if err := rows.Scan(&m.ID, &m.Name, &params); err != nil {
			rows.Close()
			return nil, err
		}
		if err := json.Unmarshal([]byte(params), &m.Columns); err != nil {
			rows.Close()
			return nil, fmt.Errorf("sweep %s: parameters: %w", m.ID, err)
		}
		metas = append(metas, m)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, err
	}
	return metas, nil
}

func sweepViews(m SweepMeta) []string {
	view := SweepView(m.Name)
	var params, names []string
	for _, c := range m.Columns {
		path := `'$.` + `"` + strings.ReplaceAll(c.Column, "'", "''") + `"'`
		switch c.Type {
		case "VARCHAR":
			params = append(params, fmt.Sprintf("json_extract_string(t.params, %s) AS %s", path, ident(c.Column)))
		default:
			params = append(params, fmt.Sprintf("CAST(json_extract(t.params, %s) AS %s) AS %s", path, c.Type, ident(c.Column)))
		}
		names = append(names, ident(c.Column))
	}
	id := "'" + strings.ReplaceAll(m.ID, "'", "''") + "'"
	runs := fmt.Sprintf(`CREATE OR REPLACE VIEW %s AS
SELECT t.batch_id AS sweep_id, CAST(json_extract(t.params, '$.point') AS INTEGER) AS point,
	%s,
	t.* EXCLUDE (batch_id)
FROM run_totals t
WHERE t.batch_id = %s`, ident(view), strings.Join(params, ",\n\t"), id)
	var agg []string
	// Every KPI of the registry (KPIs), as mean_<column> and sd_<column>.
	for _, k := range registry {
		agg = append(agg, fmt.Sprintf("avg(%[1]s) AS mean_%[1]s, stddev_samp(%[1]s) AS sd_%[1]s", k.Column))
	}
	summary := fmt.Sprintf(`CREATE OR REPLACE VIEW %s AS
SELECT sweep_id, point, %s, arm, count(*) AS n_runs,
	%s
FROM %s
GROUP BY ALL
ORDER BY point, arm`, ident(view+"_summary"), strings.Join(names, ", "), strings.Join(agg, ",\n\t"), ident(view))
	return []string{runs, summary}
}

// RunTotalColumns are the result columns of run_totals (one number per
// run), the outputs a sensitivity analysis or an optimisation may use.
func RunTotalColumns() []string {
	_, kpis := runTotalsView()
	return kpis
}

// IsRunTotal reports whether name is one of RunTotalColumns.
func IsRunTotal(name string) bool {
	for _, k := range RunTotalColumns() {
		if k == name {
			return true
		}
	}
	return false
}
