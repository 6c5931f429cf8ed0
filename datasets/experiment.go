package datasets

import (
	"github.com/msgmon/msgmon/sim/experiment"
)

// Spec turns the scenario into a comparison: its arms with their models,
// replicates and seed.
func (s *Scenario) Spec() (experiment.Spec, error) {
	spec := experiment.Spec{Config: s.Config, Replicates: s.Replicates, Seed: s.Seed}
	for _, a := range s.Arms() {
		ms, err := s.NewModels(a)
		if err != nil {
			return spec, err
		}
		spec.Arms = append(spec.Arms, experiment.Arm{Name: a.Name, Models: ms, Channels: a.Channels})
	}
	return spec, nil
}
