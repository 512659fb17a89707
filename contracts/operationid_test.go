package contracts_test

import (
	"context"
	"regexp"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/cadena-finance/cadena/contracts"
)

// lowerCamel is what generated clients turn into method names (listInvoices
// becomes ListInvoices); anything else reads badly or is rewritten.
var lowerCamel = regexp.MustCompile(`^[a-z]+(?:[A-Z][a-z0-9]*)*$`)

// Every operation has a unique, lowerCamelCase operationId: client generators
// name methods after it, so a missing one yields names built from the path.
func TestEveryOperationHasAnOperationID(t *testing.T) {
	t.Parallel()
	doc, err := openapi3.NewLoader().LoadFromData(contracts.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			where := method + " " + path
			switch id := op.OperationID; {
			case id == "":
				t.Errorf("%s has no operationId", where)
			case !lowerCamel.MatchString(id):
				t.Errorf("%s: operationId %q is not lowerCamelCase", where, id)
			case seen[id] != "":
				t.Errorf("%s: operationId %q already names %s", where, id, seen[id])
			default:
				seen[id] = where
			}
		}
	}
}
