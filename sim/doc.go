// Package sim is msgmon's agent-based engine: users, businesses and the
// platform stepped day by day, with event times in hours, under the rules and
// prices that monetization models install (see package models).
//
// The engine keeps agents in structures of arrays, follows in flat per-user
// slot arrays, and randomness in counter-based streams keyed by meaning
// (seed, purpose, entity, day), so that results are identical for any number
// of workers and every model of a comparison sees the same random numbers.
// The process is documented in models/ODD.md.
package sim
