package natsauth

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/nats-io/nkeys"
)

// Two processes may create the same key file at once: the one that loses the
// O_EXCL race reads the winner's key rather than failing (before, it reported
// the first read's "file does not exist").
func TestCreateKeyReadsTheKeyAnotherProcessWrote(t *testing.T) {
	path := filepath.Join(t.TempDir(), "operator.nk")
	winner, err := nkeys.CreateOperator()
	if err != nil {
		t.Fatal(err)
	}
	seed, err := winner.Seed()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(seed, '\n'), 0o600); err != nil {
		t.Fatal(err)
	}
	kp, err := createKey(path, nkeys.PrefixByteOperator)
	if err != nil {
		t.Fatalf("losing the creation race: %v", err)
	}
	got, _ := kp.PublicKey()
	want, _ := winner.PublicKey()
	if got != want {
		t.Fatalf("got key %s, want the winner's %s", got, want)
	}
}
