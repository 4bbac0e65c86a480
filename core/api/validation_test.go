package api

import (
	"strings"
	"testing"
)

// Every fixture is valid, before and after defaulting.
func TestFixturesAreValid(t *testing.T) {
	for name, data := range kindFixtures(t) {
		t.Run(name, func(t *testing.T) {
			obj := decodeOne(t, data)
			if errs := Validate(obj); len(errs) > 0 {
				t.Errorf("before Default:\n%s", strings.Join(errs.Strings(), "\n"))
			}
			Default(obj)
			if errs := Validate(obj); len(errs) > 0 {
				t.Errorf("after Default:\n%s", strings.Join(errs.Strings(), "\n"))
			}
		})
	}
}
