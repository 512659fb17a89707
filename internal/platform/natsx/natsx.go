// Package natsx starts the embedded nats-server, connects clients and declares
// the JetStream streams the platform relies on.
package natsx

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// EventsStream holds every cadena.> event.
const EventsStream = "CADENA"

// DuplicateWindow is how long JetStream remembers message ids; a relay that
// restarts within it never publishes an event twice.
const DuplicateWindow = 10 * time.Minute

// ErrPortInUse names the setting to change when the embedded port is taken.
var ErrPortInUse = errors.New("port in use")

// Embedded describes the in-process server used when NATS_URL is unset.
type Embedded struct {
	Host     string
	Port     int
	StoreDir string
	// Configure, when set, adjusts the options before the server starts
	// (natsauth uses it to put the server in operator mode).
	Configure func(*server.Options)
}

// Start runs an embedded JetStream server with file storage under StoreDir.
func (e Embedded) Start() (*server.Server, error) {
	port := e.Port
	if port == 0 {
		// Any free port, chosen by the listener itself: tests run beside each
		// other, and a port found free and then closed can be taken meanwhile.
		port = server.RANDOM_PORT
	} else {
		addr := net.JoinHostPort(e.Host, strconv.Itoa(port))
		if l, err := net.Listen("tcp", addr); err != nil {
			return nil, fmt.Errorf("%w: the embedded NATS server cannot listen on %s (%v); set CADENA_NATS_PORT to a free port, or NATS_URL to use an existing server", ErrPortInUse, addr, err)
		} else {
			_ = l.Close() // a probe: only whether it could listen matters
		}
	}
	opts := &server.Options{
		ServerName: "cadena-embedded",
		Host:       e.Host,
		Port:       port,
		JetStream:  true,
		StoreDir:   e.StoreDir,
		NoSigs:     true,
	}
	if e.Configure != nil {
		e.Configure(opts)
	}
	s, err := server.NewServer(opts)
	if err != nil {
		return nil, err
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		s.Shutdown()
		return nil, errors.New("embedded NATS server did not start in 10s")
	}
	return s, nil
}

// Connect dials url (a server or a comma-separated cluster list), with a
// credentials file when given, and reconnects for ever. extra options come
// last, e.g. credentials held in memory (natsauth.ConnectOption).
func Connect(url, name, creds string, extra ...nats.Option) (*nats.Conn, error) {
	opts := []nats.Option{nats.Name(name), nats.MaxReconnects(-1), nats.ReconnectWait(time.Second)}
	if creds != "" {
		opts = append(opts, nats.UserCredentials(creds))
	}
	return nats.Connect(url, append(opts, extra...)...)
}

// EnsureStreams declares the platform's streams; safe to call on every start.
func EnsureStreams(ctx context.Context, js jetstream.JetStream) error {
	_, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        EventsStream,
		Description: "Cadena domain events, published by the outbox relay",
		Subjects:    []string{"cadena.>"},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		MaxAge:      30 * 24 * time.Hour,
		Duplicates:  DuplicateWindow,
	})
	if err != nil {
		return fmt.Errorf("declare stream %s: %w", EventsStream, err)
	}
	return nil
}
