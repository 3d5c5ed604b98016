package testsite

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"time"
)

// Start serves h on a new listener at 127.0.0.1 with a random port (never
// any other interface, never a fixed port) and returns the running server;
// its URL is "http://127.0.0.1:PORT". If log is not nil, every request is
// recorded in it before h answers. The caller must Close the server; Close
// waits for requests in progress, so a delayed route holds it up until its
// delay ends or its client gives up.
//
// Like httptest.NewServer, Start panics if it cannot listen: on a machine
// without loopback nothing here can work.
func Start(h http.Handler, log *Log) *httptest.Server {
	if log != nil {
		h = log.wrap(h)
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("testsite: listen on 127.0.0.1:0: %v", err))
	}
	srv := httptest.NewUnstartedServer(h)
	_ = srv.Listener.Close() // unused: replaced by ours, which is surely loopback
	srv.Listener = ln
	srv.Config.ReadHeaderTimeout = 10 * time.Second
	srv.Start()
	return srv
}
