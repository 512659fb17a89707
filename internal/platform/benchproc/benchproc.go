// Package benchproc runs `cadena serve` as a child process for the
// end-to-end benchmarks, so they measure what production runs and can read
// the server's own memory from /proc.
package benchproc

import (
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Server is a running `cadena serve`.
type Server struct {
	URL, Bin string
	Env      []string // the child's environment, for `cadena token` too
	Cmd      *exec.Cmd
	HTTP     *http.Client
}

// FreePort is a loopback port nothing listens on now.
func FreePort(tb testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer func() { _ = l.Close() }() // only its port was wanted
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// Start runs bin serve on dbURL with a private data folder and ports, and
// waits until /readyz answers 200. The child dies with the benchmark.
func Start(tb testing.TB, bin, dbURL string, client *http.Client) *Server {
	port := FreePort(tb)
	s := &Server{URL: "http://127.0.0.1:" + port, Bin: bin, HTTP: client,
		Env: append(os.Environ(), "DATABASE_URL="+dbURL, "CADENA_DATA_DIR="+tb.TempDir(), "CADENA_NATS_PORT="+FreePort(tb),
			"CADENA_HTTP_ADDR=127.0.0.1:"+port, "CADENA_LOG_LEVEL=warn")}
	s.Cmd = exec.Command(bin, "serve")
	s.Cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	s.Cmd.Env, s.Cmd.Stdout, s.Cmd.Stderr = s.Env, io.Discard, os.Stderr
	if err := s.Cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = s.Cmd.Process.Signal(os.Interrupt); _ = s.Cmd.Wait() })
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if res, err := http.Get(s.URL + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return s
			}
		}
		if time.Now().After(deadline) {
			tb.Fatal("cadena serve did not become ready")
		}
	}
}

// Token mints a token for a party with the child's own configuration.
func (s *Server) Token(tb testing.TB, taxID, role string) string {
	cmd := exec.Command(s.Bin, "token", "--party", taxID, "--role", role)
	cmd.Env = s.Env
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("token: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// MemKB reads a field of the child's /proc status (VmRSS, VmHWM) in kB.
func (s *Server) MemKB(tb testing.TB, field string) int64 {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(s.Cmd.Process.Pid) + "/status")
	if err != nil {
		tb.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	tb.Fatalf("no %s in status", field)
	return 0
}

// EnvInt reads a positive integer setting of a benchmark.
func EnvInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// Rate is n per second, in integers.
func Rate(n int, d time.Duration) int64 { return int64(n) * int64(time.Second) / max(int64(d), 1) }
