package models

import (
	"fmt"
	"sort"
	"strings"

	"github.com/msgmon/msgmon/sim"
)

// Prices maps market codes to a price in US dollars; the key "default"
// prices every market not listed.
type Prices map[string]float64

// perMarket resolves a price table for the platform's markets. path names
// the table in error messages.
func perMarket(p *sim.Platform, t Prices, path string) ([sim.MaxMarkets]sim.Micros, error) {
	var out [sim.MaxMarkets]sim.Micros
	for code := range t {
		if code != "default" && p.MarketIndex(code) < 0 {
			return out, &sim.FieldError{Path: path + "." + code,
				Msg: fmt.Sprintf("unknown market; the scenario's markets are %s (or use default)", strings.Join(p.Markets, ", "))}
		}
	}
	for i, code := range p.Markets {
		v, ok := t[code]
		if !ok {
			if v, ok = t["default"]; !ok {
				return out, &sim.FieldError{Path: path, Msg: fmt.Sprintf("no price for market %s and no default", code)}
			}
		}
		out[i] = sim.USD(v)
	}
	return out, nil
}

// markets resolves a list of market codes to flags.
func markets(p *sim.Platform, codes []string, path string) ([sim.MaxMarkets]bool, error) {
	var out [sim.MaxMarkets]bool
	for i, code := range codes {
		m := p.MarketIndex(code)
		if m < 0 {
			return out, &sim.FieldError{Path: fmt.Sprintf("%s[%d]", path, i),
				Msg: fmt.Sprintf("unknown market %q; the scenario's markets are %s", code, strings.Join(p.Markets, ", "))}
		}
		out[m] = true
	}
	return out, nil
}

func sortedKeys(m Prices) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
