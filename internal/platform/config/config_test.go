package config

import (
	"testing"
	"time"

	"github.com/cadena-finance/cadena/internal/auth"
)

func TestLoginThrottleFromEnvironment(t *testing.T) {
	c, err := Load()
	if err != nil || c.LoginThrottle != auth.DefaultThrottle {
		t.Fatalf("defaults %+v %v, want %+v", c.LoginThrottle, err, auth.DefaultThrottle)
	}
	t.Setenv("CADENA_LOGIN_MAX_FAILURES", "3")
	t.Setenv("CADENA_LOGIN_ADDRESS_MAX_FAILURES", "50")
	t.Setenv("CADENA_LOGIN_WINDOW", "30m")
	t.Setenv("CADENA_LOGIN_BACKOFF", "30s")
	t.Setenv("CADENA_LOGIN_BACKOFF_MAX", "2h")
	c, err = Load()
	want := auth.Throttle{Failures: 3, AddressFailures: 50, Window: 30 * time.Minute, Backoff: 30 * time.Second, MaxBackoff: 2 * time.Hour}
	if err != nil || c.LoginThrottle != want {
		t.Fatalf("%+v %v, want %+v", c.LoginThrottle, err, want)
	}
	t.Setenv("CADENA_LOGIN_BACKOFF_MAX", "10s")
	if _, err := Load(); err == nil {
		t.Fatal("a longest lock shorter than the first was accepted")
	}
}
