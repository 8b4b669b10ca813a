package gen_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/go-cmp/cmp"

	"github.com/oms-contract/stoptask/gen"
)

const specFile = "../openapi.yaml"

func loadFileSpec(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromFile(specFile)
	if err != nil {
		t.Fatalf("loading %s: %v", specFile, err)
	}
	return doc
}

func loadEmbeddedSpec(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := gen.GetSpec()
	if err != nil {
		t.Fatalf("GetSpec: %v", err)
	}
	return doc
}

func TestSpecsLoadAndValidate(t *testing.T) {
	for name, load := range map[string]func(*testing.T) *openapi3.T{
		"embedded": loadEmbeddedSpec,
		"file":     loadFileSpec,
	} {
		t.Run(name, func(t *testing.T) {
			if err := load(t).Validate(context.Background()); err != nil {
				t.Errorf("Validate: %v", err)
			}
		})
	}
}

// TestEmbeddedSpecMatchesFile catches an openapi.yaml edited without
// regenerating gen/.
func TestEmbeddedSpecMatchesFile(t *testing.T) {
	asJSON := func(doc *openapi3.T) any {
		t.Helper()
		data, err := json.Marshal(doc)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			t.Fatalf("unmarshal: %v", err)
		}
		return v
	}
	if diff := cmp.Diff(asJSON(loadFileSpec(t)), asJSON(loadEmbeddedSpec(t))); diff != "" {
		t.Errorf("embedded spec differs from %s; run make generate (-file +embedded):\n%s", specFile, diff)
	}
}

// exampleWalker finds every example in a loaded document by reflection, so
// that an example added anywhere is checked without touching this test,
// and validates it against the schema it illustrates.
type exampleWalker struct {
	seen     map[any]bool
	checked  []string // where each example was found
	failures []string // where an example does not match its schema
}

func walkExamples(doc *openapi3.T) *exampleWalker {
	w := &exampleWalker{seen: make(map[any]bool)}
	w.walk(reflect.ValueOf(doc), "")
	slices.Sort(w.checked)
	slices.Sort(w.failures)
	return w
}

func (w *exampleWalker) walk(v reflect.Value, where string) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		// A $ref shares the pointer of its target: visit each object once.
		key := struct {
			t reflect.Type
			p uintptr
		}{v.Type(), v.Pointer()}
		if w.seen[key] {
			return
		}
		w.seen[key] = true
		w.check(v.Interface(), where)
		w.walk(v.Elem(), where)
	case reflect.Interface:
		if !v.IsNil() {
			w.walk(v.Elem(), where)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if !f.IsExported() || f.Name == "Origin" {
				continue
			}
			name := "." + f.Name
			if f.Name == "Value" && strings.HasSuffix(v.Type().Name(), "Ref") {
				name = "" // keep locations readable: Parameters[TaskId].Example
			}
			w.walk(v.Field(i), where+name)
		}
	case reflect.Map:
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) })
		for _, k := range keys {
			w.walk(v.MapIndex(k), fmt.Sprintf("%s[%v]", where, k))
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			w.walk(v.Index(i), fmt.Sprintf("%s[%d]", where, i))
		}
	}
}

// check validates the examples that node itself carries.
func (w *exampleWalker) check(node any, where string) {
	switch n := node.(type) {
	case *openapi3.Schema:
		w.validate(n, n.Example, where+".Example")
		for i, ex := range n.Examples {
			w.validate(n, ex, fmt.Sprintf("%s.Examples[%d]", where, i))
		}
	case *openapi3.Parameter:
		w.checkWithSchema(n.Schema, n.Example, n.Examples, where)
	case *openapi3.Header:
		w.checkWithSchema(n.Schema, n.Example, n.Examples, where)
	case *openapi3.MediaType:
		w.checkWithSchema(n.Schema, n.Example, n.Examples, where)
	}
}

func (w *exampleWalker) checkWithSchema(ref *openapi3.SchemaRef, example any, examples openapi3.Examples, where string) {
	var schema *openapi3.Schema
	if ref != nil {
		schema = ref.Value
	}
	w.validate(schema, example, where+".Example")
	for name, ex := range examples {
		if ex != nil && ex.Value != nil {
			w.validate(schema, ex.Value.Value, fmt.Sprintf("%s.Examples[%s]", where, name))
		}
	}
}

func (w *exampleWalker) validate(schema *openapi3.Schema, example any, where string) {
	if example == nil {
		return
	}
	w.checked = append(w.checked, where)
	switch {
	case schema == nil:
		w.failures = append(w.failures, where+": no schema to check it against")
	case schema.VisitJSON(example) != nil:
		w.failures = append(w.failures, where)
	}
}

// countRawExamples counts examples in the raw JSON of the spec, an
// independent tally to prove the walker misses none: every "example"
// keyword and every entry of an "examples" object or array. Property names
// are not keywords, so a property called "example" is not counted.
func countRawExamples(v any, keyword bool) int {
	n := 0
	switch v := v.(type) {
	case map[string]any:
		for k, child := range v {
			switch {
			case keyword && k == "example":
				n++
			case keyword && k == "examples":
				switch ex := child.(type) {
				case map[string]any:
					n += len(ex)
				case []any:
					n += len(ex)
				}
			default:
				n += countRawExamples(child, !(keyword && k == "properties"))
			}
		}
	case []any:
		for _, child := range v {
			n += countRawExamples(child, true)
		}
	}
	return n
}

func TestEveryExampleMatchesItsSchema(t *testing.T) {
	for name, load := range map[string]func(*testing.T) *openapi3.T{
		"embedded": loadEmbeddedSpec,
		"file":     loadFileSpec,
	} {
		t.Run(name, func(t *testing.T) {
			w := walkExamples(load(t))
			if len(w.failures) != 0 {
				t.Errorf("examples not matching their schema:\n%v", w.failures)
			}
			raw, err := gen.GetSpecJSON()
			if err != nil {
				t.Fatalf("GetSpecJSON: %v", err)
			}
			var generic any
			if err := json.Unmarshal(raw, &generic); err != nil {
				t.Fatalf("spec JSON: %v", err)
			}
			if want := countRawExamples(generic, true); len(w.checked) != want {
				t.Errorf("walker checked %d examples, the spec has %d:\n%v", len(w.checked), want, w.checked)
			}
			if len(w.checked) == 0 {
				t.Error("walker found no examples at all")
			}
			t.Logf("checked %d examples: %v", len(w.checked), w.checked)
		})
	}
}

// TestExampleWalkerCatchesBadExamples proves the walker fails on bad
// examples of each kind it claims to cover.
func TestExampleWalkerCatchesBadExamples(t *testing.T) {
	doc := loadEmbeddedSpec(t)
	c := doc.Components
	c.Parameters["TaskId"].Value.Example = "not a number"
	c.Parameters["ProjectId"].Value.Example = "" // below minLength 1
	c.Headers["X-Request-Id"].Value.Example = 42
	c.Schemas["Error"].Value.Properties["error_code"].Value.Example = 66
	c.Responses["BadRequest"].Value.Content["application/json"].Examples["TaskNotFound"].Value.Value =
		map[string]any{"error_code": "OMS.1009"} // error_msg is required

	want := []string{
		".Components.Headers[X-Request-Id].Example",
		".Components.Parameters[ProjectId].Example",
		".Components.Parameters[TaskId].Example",
		".Components.Responses[BadRequest].Content[application/json].Examples[TaskNotFound]",
		".Components.Schemas[Error].Properties[error_code].Example",
	}
	if diff := cmp.Diff(want, walkExamples(doc).failures); diff != "" {
		t.Errorf("walker failures (-want +got):\n%s", diff)
	}
}
