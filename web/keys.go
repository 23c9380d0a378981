package web

import "encoding/hex"

// The Redis keys package web writes itself, each under Deps.KeyPrefix.

// bounceSigKey remembers a used bounce-webhook signature (replay guard):
// one key, so one slot on a cluster.
func (s *Server) bounceSigKey(sig []byte) string {
	return s.d.KeyPrefix + "bounce:sig:" + hex.EncodeToString(sig)
}
