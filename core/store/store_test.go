package store_test

import (
	"testing"

	"github.com/capstan-dev/capstan/checks/storecontract"
	"github.com/capstan-dev/capstan/core/store"
)

func TestContract(t *testing.T) {
	storecontract.Run(t, func(*testing.T) store.Store { return store.NewMemory() })
}
