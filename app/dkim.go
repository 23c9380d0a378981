package app

import (
	"fmt"
	"os"

	"herald/channels/email"
)

// LoadDKIM is the DKIM signer the config names: nil when
// HERALD_DKIM_KEY_FILE is unset. A key file that cannot be read or is not
// an RSA or Ed25519 private key, or a bad selector or domain, is an error
// naming the variable.
func LoadDKIM(cfg Config) (*email.DKIM, error) {
	if cfg.DKIMKeyFile == "" {
		return nil, nil
	}
	data, err := os.ReadFile(cfg.DKIMKeyFile)
	if err != nil {
		return nil, fmt.Errorf("config: HERALD_DKIM_KEY_FILE: %w", err)
	}
	key, err := email.ParseKey(data)
	if err != nil {
		return nil, fmt.Errorf("config: HERALD_DKIM_KEY_FILE %s: %w", cfg.DKIMKeyFile, err)
	}
	d, err := email.NewDKIM(key, cfg.SigningDomain(), cfg.DKIMSelector)
	if err != nil {
		return nil, fmt.Errorf("config: HERALD_DKIM_SELECTOR %q / HERALD_DKIM_DOMAIN %q: %w", cfg.DKIMSelector, cfg.SigningDomain(), err)
	}
	return d, nil
}

// SigningDomain is HERALD_DKIM_DOMAIN, or else the From address's domain.
func (c *Config) SigningDomain() string {
	if c.DKIMDomain != "" {
		return c.DKIMDomain
	}
	_, addr := c.FromAddress()
	return hostOf(addr)
}
