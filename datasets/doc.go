// Package datasets is msgmon's data layer: scenario files, calibration tables and the results store.
//
// A scenario is a YAML file (or an embedded preset, see Embedded) that sets
// the population and behaviour of a run (sim.Config), the monetization
// models with their parameters, and the arms to compare. Load and Parse read
// it strictly and report every problem with file, line and field path, in
// the form
//
//	scenario.yaml:14: models.paid_push.price_per_message: must be in [0, 10], got -1
//
// JSON and Hash give the canonical form of a resolved scenario, stored with
// every run; JSONSchema describes the file format for editors and tools.
package datasets
