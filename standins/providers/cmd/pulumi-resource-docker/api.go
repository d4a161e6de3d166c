package main

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// apiVersion is the Docker Engine API version requested (Debian bookworm's docker.io 20.10 speaks 1.41).
const apiVersion = "v1.41"

type dockerClient struct {
	http *http.Client
	base string
}

func newClient(host string) (*dockerClient, error) {
	if host == "" {
		host = os.Getenv("DOCKER_HOST")
	}
	if host == "" {
		host = "unix:///var/run/docker.sock"
	}
	u, err := url.Parse(host)
	if err != nil {
		return nil, fmt.Errorf("docker host %q: %w", host, err)
	}
	switch u.Scheme {
	case "unix":
		path := u.Path
		tr := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		}}
		return &dockerClient{http: &http.Client{Transport: tr}, base: "http://docker/" + apiVersion}, nil
	case "tcp", "http":
		return &dockerClient{http: &http.Client{}, base: "http://" + u.Host + "/" + apiVersion}, nil
	}
	return nil, fmt.Errorf("docker host %q: only unix:// and tcp:// (without TLS) are supported", host)
}

type apiError struct {
	Status  int
	Message string
}

func (e *apiError) Error() string { return fmt.Sprintf("docker API %d: %s", e.Status, e.Message) }

func isStatus(err error, code int) bool {
	ae, ok := err.(*apiError)
	return ok && ae.Status == code
}

func (c *dockerClient) do(ctx context.Context, method, path string, query url.Values, body any, out any) error {
	var rd io.Reader
	ctype := "application/json"
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
		ctype = "application/x-tar"
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(buf)
	}
	u := c.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return err
	}
	if rd != nil {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 && resp.StatusCode != http.StatusNotModified {
		var m struct{ Message string }
		_ = json.Unmarshal(data, &m)
		if m.Message == "" {
			m.Message = strings.TrimSpace(string(data))
		}
		return &apiError{Status: resp.StatusCode, Message: m.Message}
	}
	if out != nil && len(data) > 0 {
		if raw, ok := out.(*[]byte); ok {
			*raw = data
			return nil
		}
		return json.Unmarshal(data, out)
	}
	return nil
}

// tarFiles packs files (path -> content, mode) into a tar stream for PUT /containers/{id}/archive.
type tarFile struct {
	Path    string
	Content []byte
	Mode    int64
}

func tarFiles(files []tarFile) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		// File entries only: the daemon creates missing parents itself, and a directory entry would
		// replace a symlinked parent (e.g. /opt/spark -> pyspark) or reset a directory's mode (/tmp).
		p := strings.TrimPrefix(f.Path, "/")
		if err := tw.WriteHeader(&tar.Header{Name: p, Mode: f.Mode, Size: int64(len(f.Content)), ModTime: time.Now()}); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f.Content); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// demux turns the multiplexed log stream (8-byte frame headers) into text.
func demux(b []byte) string {
	var out strings.Builder
	for len(b) >= 8 {
		n := int(b[4])<<24 | int(b[5])<<16 | int(b[6])<<8 | int(b[7])
		if b[0] > 2 || len(b) < 8+n {
			return string(b) // not multiplexed (tty)
		}
		out.Write(b[8 : 8+n])
		b = b[8+n:]
	}
	return out.String()
}
