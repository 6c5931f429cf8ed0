package datasets_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/msgmon/msgmon/datasets"
	"github.com/msgmon/msgmon/sim"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

// compileSchema compiles JSONSchema with a real validator, which also checks
// the schema against the draft 2020-12 meta-schema.
func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	b, err := datasets.JSONSchema()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("schema is not JSON: %v", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource(datasets.SchemaID, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(datasets.SchemaID)
	if err != nil {
		t.Fatalf("schema does not compile: %v", err)
	}
	return sch
}

// yamlToJSON converts a scenario text to a JSON instance for the validator.
func yamlToJSON(t *testing.T, text []byte) any {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal(text, &doc); err != nil {
		t.Fatal(err)
	}
	resolveCal(t, &doc)
	var x any
	if err := doc.Decode(&x); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(x)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return inst
}

// resolveCal turns each !cal scalar into the number of its calibration row,
// as the loader does, so that presets are checked with their values.
func resolveCal(t *testing.T, n *yaml.Node) {
	t.Helper()
	if n.Kind == yaml.ScalarNode && n.Tag == datasets.CalTag {
		cal, err := datasets.Calibration()
		if err != nil {
			t.Fatal(err)
		}
		row, ok := cal.Lookup(n.Value)
		if !ok {
			t.Fatalf("line %d: unknown calibration id %q", n.Line, n.Value)
		}
		n.Tag, n.Style, n.Value = "!!float", 0, strconv.FormatFloat(row.Value, 'g', -1, 64)
	}
	for _, c := range n.Content {
		resolveCal(t, c)
	}
}

func TestJSONSchemaContent(t *testing.T) {
	b, err := datasets.JSONSchema()
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Schema     string `json:"$schema"`
		Additional *bool  `json:"additionalProperties"`
		Properties map[string]struct {
			Type       any                        `json:"type"`
			Properties map[string]json.RawMessage `json:"properties"`
			Items      json.RawMessage            `json:"items"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	if s.Schema != "https://json-schema.org/draft/2020-12/schema" || s.Additional == nil || *s.Additional {
		t.Errorf("$schema %q, additionalProperties %v", s.Schema, s.Additional)
	}
	if s.Properties["users"].Type != "integer" || s.Properties["seed"].Type != "integer" {
		t.Errorf("users and seed should be integers")
	}
	if s.Properties["markets"].Type != "array" || !strings.Contains(string(s.Properties["markets"].Items), `"share"`) {
		t.Errorf("markets should be an array of objects, got %s", s.Properties["markets"].Items)
	}
	rr := string(s.Properties["behaviour"].Properties["react_rate"])
	for _, want := range []string{`"type":"number"`, `"minimum":0`, `"maximum":100`, `"description":"scale of the reaction hazard of the annoyance built up"`, fmt.Sprintf(`"default":%v`, sim.DefaultConfig().Behaviour.ReactRate)} {
		if !strings.Contains(rr, want) {
			t.Errorf("behaviour.react_rate schema %s lacks %s", rr, want)
		}
	}
	kind := string(s.Properties["graph"].Properties["kind"])
	if !strings.Contains(kind, `"enum":["clustered_scale_free","fully_mixed"]`) {
		t.Errorf("graph.kind schema lacks the enum: %s", kind)
	}
	tm := string(s.Properties["models"].Properties["test_model"])
	for _, want := range []string{`"price_per_message":{"type":"number"`, `"enabled":{"type":"boolean"`, `"price":{"type":"object","additionalProperties":{"type":"number","minimum":0,"maximum":1}`} {
		if !strings.Contains(tm, want) {
			t.Errorf("models.test_model schema lacks %s:\n%s", want, tm)
		}
	}
}

func TestJSONSchemaValidates(t *testing.T) {
	sch := compileSchema(t)

	// Scenarios the loader accepts pass the schema.
	valid := map[string][]byte{"good": []byte(good)}
	s := mustParse(t, "good.yaml", good)
	js, err := s.JSON()
	if err != nil {
		t.Fatal(err)
	}
	valid["canonical JSON of good"] = js
	if _, ok := lookupPaidPush(); ok {
		for _, name := range datasets.EmbeddedNames() {
			data, err := datasets.EmbeddedYAML(name)
			if err != nil {
				t.Fatal(err)
			}
			valid["embedded "+name] = data
		}
	} else {
		t.Log("real models not registered: embedded scenarios not checked against the schema")
	}
	for name, text := range valid {
		if err := sch.Validate(yamlToJSON(t, text)); err != nil {
			t.Errorf("%s does not pass the schema: %v", name, err)
		}
	}

	// Broken scenarios the loader rejects fail the schema too.
	broken := map[string]string{
		"unknown key":             edit(12, "  react_rat: 0.05"),
		"unknown top-level key":   edit(1, "colour: blue"),
		"unknown model":           edit(17, "  test_othr: {}"),
		"unknown model param":     edit(15, "    price_per_mesage: 0.5"),
		"value out of range":      edit(15, "    price_per_message: -1"),
		"int out of range":        edit(4, "users: 9000000000"),
		"map value out of range":  edit(16, "    price: {DE: 2}"),
		"fraction for an integer": edit(3, "replicates: 2.5"),
		"text for a number":       edit(12, `  react_rate: "0.05"`),
		"enum":                    edit(15, "    mode: pigeon"),
		"enabled not a bool":      edit(19, "    enabled: maybe"),
	}
	for name, text := range broken {
		if _, err := datasets.Parse("bad.yaml", []byte(text)); err == nil {
			t.Errorf("%s: the loader accepts it", name)
		}
		if err := sch.Validate(yamlToJSON(t, []byte(text))); err == nil {
			t.Errorf("%s: the schema accepts it", name)
		}
	}
}
