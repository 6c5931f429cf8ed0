package datasets

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

//go:embed scenarios/*.yaml
var scenarioFS embed.FS

// Embedded returns the embedded scenario of that name (see EmbeddedNames).
// Problems name it as datasets/scenarios/<name>.yaml.
func Embedded(name string) (*Scenario, error) {
	data, err := fs.ReadFile(scenarioFS, "scenarios/"+name+".yaml")
	if err != nil {
		return nil, fmt.Errorf("datasets: no embedded scenario %s; embedded: %s", ClipQ(name), strings.Join(EmbeddedNames(), ", "))
	}
	return Parse("datasets/scenarios/"+name+".yaml", data)
}

// EmbeddedNames returns the names of the embedded scenarios, sorted.
func EmbeddedNames() []string {
	entries, _ := fs.ReadDir(scenarioFS, "scenarios")
	var names []string
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".yaml"); ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

// EmbeddedYAML returns the text of an embedded scenario, to copy and edit.
func EmbeddedYAML(name string) ([]byte, error) {
	data, err := fs.ReadFile(scenarioFS, "scenarios/"+name+".yaml")
	if err != nil {
		return nil, fmt.Errorf("datasets: no embedded scenario %s; embedded: %s", ClipQ(name), strings.Join(EmbeddedNames(), ", "))
	}
	return data, nil
}

// DefaultScenario returns the embedded scenario "default".
func DefaultScenario() (*Scenario, error) { return Embedded("default") }
