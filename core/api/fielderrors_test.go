package api

import (
	"errors"
	"testing"
)

func TestFieldPath(t *testing.T) {
	for _, tc := range []struct {
		path *FieldPath
		want string
	}{
		{NewPath("spec"), "spec"},
		{NewPath("spec").Child("containers").Index(0).Child("image"), "spec.containers[0].image"},
		{NewPath("spec", "template", "spec"), "spec.template.spec"},
		{NewPath("metadata").Child("labels").Key("foo"), "metadata.labels[foo]"},
		{NewPath("spec").Child("resources").Key("storage"), "spec.resources[storage]"},
		{NewPath("data").Key("a.b"), "data[a.b]"},
		{NewPath("spec").Child("a", "b").Index(2).Index(3), "spec.a.b[2][3]"},
		{NewPath("spec", "template").Child("containers").Index(10).Child("lifecycle", "postStart", "exec").Key(""), "spec.template.containers[10].lifecycle.postStart.exec[]"},
		{NewPath("data").Key("k").Child("x"), "data[k].x"},
		{(*FieldPath)(nil).Child("spec"), "spec"},
		{nil, "<nil>"},
	} {
		if got := tc.path.String(); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
	// Paths share parents and never change.
	base := NewPath("spec")
	a, b := base.Child("a"), base.Child("b")
	if a.String() != "spec.a" || b.String() != "spec.b" || base.String() != "spec" {
		t.Errorf("paths interfere: %s %s %s", base, a, b)
	}
}

type stringerValue struct{ s string }

func (v stringerValue) String() string { return "<" + v.s + ">" }

func TestFieldErrorMessages(t *testing.T) {
	p := NewPath("spec").Child("x")
	var nilInt *int32
	three := int32(3)
	for _, tc := range []struct {
		err  *FieldError
		want string
	}{
		{NewPath("spec", "template", "spec").Child("containers").Index(0).Child("image").Required(""),
			"spec.template.spec.containers[0].image: Required value"},
		{p.Required("name or generateName is required"), "spec.x: Required value: name or generateName is required"},
		{NewPath("metadata", "name").Invalid("Foo_bar", "a lowercase RFC 1123 subdomain must consist of ..."),
			`metadata.name: Invalid value: "Foo_bar": a lowercase RFC 1123 subdomain must consist of ...`},
		{NewPath("spec", "restartPolicy").NotSupported("Sometimes", []string{"Always", "Never", "OnFailure"}),
			`spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "Never", "OnFailure"`},
		{p.NotSupported("x", nil), `spec.x: Unsupported value: "x"`},
		{p.Duplicate("web"), `spec.x: Duplicate value: "web"`},
		{p.Duplicate(int32(80)), `spec.x: Duplicate value: 80`},
		{p.Forbidden("may not be set"), "spec.x: Forbidden: may not be set"},
		{p.TooLong("a very long value", 63), "spec.x: Too long: must have at most 63 bytes"},
		{p.TooMany(5, 3), "spec.x: Too many: 5: must have at most 3 items"},
		{p.NotFound("data"), `spec.x: Not found: "data"`},
		{p.InternalError(errors.New("boom")), "spec.x: Internal error: boom"},
		{p.TypeInvalid("x", "must be an integer"), `spec.x: Invalid value: "x": must be an integer`},
		{p.Invalid(int64(-1), "must be greater than or equal to 0"), "spec.x: Invalid value: -1: must be greater than or equal to 0"},
		{p.Invalid(true, "no"), "spec.x: Invalid value: true: no"},
		{p.Invalid(nilInt, "must not be nil"), `spec.x: Invalid value: "null": must not be nil`},
		{p.Invalid(nil, "d"), `spec.x: Invalid value: "null": d`},
		{p.Invalid(&three, "d"), "spec.x: Invalid value: 3: d"},
		{p.Invalid(FromString("25%"), "d"), "spec.x: Invalid value: 25%: d"},
		{p.Invalid(FromInt(0), "d"), "spec.x: Invalid value: 0: d"},
		{p.Invalid(stringerValue{"s"}, "d"), "spec.x: Invalid value: <s>: d"},
		{p.Invalid(map[string]string{"app": "web"}, "d"), `spec.x: Invalid value: {"app":"web"}: d`},
		{p.Invalid(&LabelSelector{}, "d"), "spec.x: Invalid value: {}: d"},
		{p.Invalid(omitValue, "d"), "spec.x: Invalid value: d"},
	} {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("got  %s\nwant %s", got, tc.want)
		}
	}
}

func TestErrorTypeStrings(t *testing.T) {
	for typ, want := range map[ErrorType]string{
		ErrorTypeNotFound: "Not found", ErrorTypeRequired: "Required value",
		ErrorTypeDuplicate: "Duplicate value", ErrorTypeInvalid: "Invalid value",
		ErrorTypeNotSupported: "Unsupported value", ErrorTypeForbidden: "Forbidden",
		ErrorTypeTooLong: "Too long", ErrorTypeTooMany: "Too many",
		ErrorTypeInternal: "Internal error", ErrorTypeTypeInvalid: "Invalid value",
	} {
		if typ.String() != want {
			t.Errorf("%s: got %q, want %q", string(typ), typ.String(), want)
		}
	}
}

func TestErrorListAggregate(t *testing.T) {
	a := NewPath("a").Required("")
	b := NewPath("b").Invalid("x", "bad")
	for _, tc := range []struct {
		list ErrorList
		want string
	}{
		{nil, ""},
		{ErrorList{a}, "a: Required value"},
		{ErrorList{a, b}, `[a: Required value, b: Invalid value: "x": bad]`},
		{ErrorList{a, a}, "a: Required value"},
		{ErrorList{a, b, NewPath("a").Required("")}, `[a: Required value, b: Invalid value: "x": bad]`},
	} {
		if got := tc.list.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
		agg := tc.list.ToAggregate()
		if len(tc.list) == 0 {
			if agg != nil {
				t.Errorf("ToAggregate of an empty list = %v, want nil", agg)
			}
			continue
		}
		if agg.Error() != tc.want {
			t.Errorf("ToAggregate().Error() = %q, want %q", agg.Error(), tc.want)
		}
	}
	deduped := ErrorList{a, b, a}.ToAggregate().(ErrorList)
	if len(deduped) != 2 {
		t.Errorf("ToAggregate kept %d errors, want 2", len(deduped))
	}
}
