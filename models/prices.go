package models

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/msgmon/msgmon/sim"
)

// Prices maps market codes to a price in US dollars; the key "default"
// prices every market not listed.
type Prices map[string]float64

// perMarket resolves a price table for the platform's markets. path names
// the table in error messages.
//
// A market the scenario does not have is an error (a typo, most likely),
// unless the model's default table def prices it too with the same price
// (compared in micro-dollars, the unit charges are made in): a rate card
// lists more markets than a scenario needs to simulate.
func perMarket(p *sim.Platform, t, def Prices, path string) ([sim.MaxMarkets]sim.Micros, error) {
	var out [sim.MaxMarkets]sim.Micros
	for code, v := range t {
		if dv, ok := def[code]; ok && sim.USD(dv) == sim.USD(v) {
			continue
		}
		if code != "default" && p.MarketIndex(code) < 0 {
			return out, &sim.FieldError{Path: path + "." + code,
				Msg: fmt.Sprintf("unknown market; the scenario's markets are %s (or use default)", strings.Join(p.Markets, ", "))}
		}
	}
	for i, code := range p.Markets {
		v, ok := t[code]
		if !ok {
			if v, ok = t["default"]; !ok {
				return out, &sim.FieldError{Path: path, Msg: fmt.Sprintf("no price for market %s and no default; add %s: <USD> (or default: <USD>) to the table", code, code)}
			}
		}
		out[i] = sim.USD(v)
	}
	return out, nil
}

// markets resolves a list of market codes to flags. A code the scenario
// does not have is an error unless the model's default list def holds it.
func markets(p *sim.Platform, codes, def []string, path string) ([sim.MaxMarkets]bool, error) {
	var out [sim.MaxMarkets]bool
	for i, code := range codes {
		m := p.MarketIndex(code)
		if m < 0 && slices.Contains(def, code) {
			continue
		}
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
