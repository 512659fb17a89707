package api

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"strconv"
	"strings"
)

// Listener wraps ln so that the errors net/http answers by itself, before
// any handler runs (a bad %-escape in the path, a malformed request line or
// header), come out as problem+json like every other error, instead of
// Go's plain-text "400 Bad Request".
func Listener(ln net.Listener) net.Listener { return problemListener{ln} }

type problemListener struct{ net.Listener }

func (l problemListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return problemConn{c}, nil
}

type problemConn struct{ net.Conn }

// serverErrorHeaders follows the status line of net/http's own error
// replies (server.go, conn.serve), written in one Write on the raw
// connection. A handler's response never has them right after the status
// line: net/http writes the handler's headers sorted, and a Date header.
const serverErrorHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

func (c problemConn) Write(b []byte) (int, error) {
	line, rest, ok := bytes.Cut(b, []byte(serverErrorHeaders))
	if !ok || !bytes.HasPrefix(line, []byte("HTTP/1.1 4")) || bytes.ContainsAny(line, "\r\n") {
		return c.Conn.Write(b)
	}
	status, _ := strconv.Atoi(string(line[9:12]))
	p := Problem{Type: ProblemType + "request.invalid", Title: "Malformed request", Status: status, Code: "request.invalid",
		Detail: "The request line or a header could not be read (" + strings.TrimSpace(string(rest)) +
			"); a % in the path must be followed by two hex digits."}
	body, _ := json.Marshal(p)
	reply := "HTTP/1.1 " + strconv.Itoa(status) + " " + http.StatusText(status) +
		"\r\nContent-Type: application/problem+json\r\nContent-Length: " + strconv.Itoa(len(body)) +
		"\r\nConnection: close\r\n\r\n" + string(body)
	if _, err := c.Conn.Write([]byte(reply)); err != nil {
		return 0, err
	}
	return len(b), nil
}
