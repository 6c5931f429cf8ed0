package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/marcboeker/go-duckdb"
)

// IsOutsideError reports whether err is DuckDB refusing SQL that reached
// outside the database (a file read or written, another database attached,
// an extension installed or loaded) on a connection whose external access
// is off: one opened with OpenSealed or sealed with SealOutside.
func IsOutsideError(err error) bool {
	var de *duckdb.Error
	return errors.As(err, &de) && de.Type == duckdb.ErrorTypePermission
}

// SealOutside turns DuckDB's access to anything outside the database off
// for the rest of db's life and locks the setting, as OpenSealed does
// (enable_external_access=false, lock_configuration=true): for a writer
// that also evaluates SQL from a file others may share, such as a study's
// objective, constraints and targets. Storing runs needs no such access.
func (db *DB) SealOutside(ctx context.Context) error {
	for _, q := range []string{"SET enable_external_access = false", "SET lock_configuration = true"} {
		if _, err := db.sql.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("store: seal %s: %w", db.path, err)
		}
	}
	return nil
}

// QueryReadOnly runs exactly one statement in a read-only transaction and
// returns its rows: whatever it says, it changes nothing in the database
// (a write is refused with DuckDB's message), and text with several
// statements is refused with ErrSeveralStatements before any runs. On a
// DB sealed with SealOutside it reaches nothing outside the database
// either (IsOutsideError).
func (db *DB) QueryReadOnly(ctx context.Context, query string) (*Table, error) {
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	defer conn.Close()
	stmt, err := conn.PrepareContext(ctx, query)
	if err != nil {
		if strings.Contains(err.Error(), "multiple statements") {
			return nil, fmt.Errorf("store: %w", ErrSeveralStatements)
		}
		return nil, fmt.Errorf("store: %w", err)
	}
	defer stmt.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION READ ONLY"); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
	rows, err := stmt.QueryContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return readTable(rows)
}
