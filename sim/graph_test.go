package sim_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/graph/graphs/gen"
	"gonum.org/v1/gonum/graph/simple"

	"github.com/msgmon/msgmon/sim"
)

// clustering returns the mean local clustering coefficient and the largest
// degree of a graph given as adjacency lists.
func clustering(adj [][]int) (float64, int) {
	set := make([]map[int]bool, len(adj))
	for u, nb := range adj {
		set[u] = map[int]bool{}
		for _, v := range nb {
			set[u][v] = true
		}
	}
	sum, maxDeg := 0.0, 0
	for _, nb := range adj {
		maxDeg = max(maxDeg, len(nb))
		if len(nb) < 2 {
			continue
		}
		links := 0
		for i, a := range nb {
			for _, b := range nb[i+1:] {
				if set[a][b] {
					links++
				}
			}
		}
		sum += float64(links) / float64(len(nb)*(len(nb)-1)/2)
	}
	return sum / float64(len(adj)), maxDeg
}

// HolmeKim grows the same kind of graph as gonum's
// TunableClusteringScaleFree: the same number of edges, and clustering and
// hub size within the spread of gonum's own graphs.
func TestHolmeKimMatchesGonum(t *testing.T) {
	const n, m, p = 3000, 4, 0.6
	var gonumC, gonumMax []float64
	for seed := uint64(1); seed <= 4; seed++ {
		g := simple.NewUndirectedGraph()
		if err := gen.TunableClusteringScaleFree(g, n, m, p, rand.NewPCG(seed, seed)); err != nil {
			t.Fatal(err)
		}
		adj := make([][]int, n)
		nodes := g.Nodes()
		for nodes.Next() {
			u := nodes.Node().ID()
			to := g.From(u)
			for to.Next() {
				adj[u] = append(adj[u], int(to.Node().ID()))
			}
		}
		c, mx := clustering(adj)
		gonumC = append(gonumC, c)
		gonumMax = append(gonumMax, float64(mx))
	}
	for seed := 1; seed <= 4; seed++ {
		s := sim.NewStream(uint64(seed), 3, 0, 0)
		g, err := sim.HolmeKim(n, m, p, &s)
		if err != nil {
			t.Fatal(err)
		}
		adj := make([][]int, n)
		for u := 0; u < n; u++ {
			for _, v := range g.Contacts(u) {
				adj[u] = append(adj[u], int(v))
				if int(v) == u {
					t.Fatalf("self loop at %d", u)
				}
			}
		}
		if want := 2 * ((m - 1) + (n-m)*m); len(g.Adj) != want {
			t.Errorf("%d edge ends, want %d", len(g.Adj), want)
		}
		c, mx := clustering(adj)
		lo, hi := minMax(gonumC)
		if c < 0.85*lo || c > 1.15*hi {
			t.Errorf("clustering %.3f, gonum's graphs %.3f to %.3f", c, lo, hi)
		}
		lo, hi = minMax(gonumMax)
		if float64(mx) < 0.5*lo || float64(mx) > 2*hi {
			t.Errorf("largest degree %d, gonum's graphs %.0f to %.0f", mx, lo, hi)
		}
	}
}

func minMax(x []float64) (float64, float64) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range x {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	return lo, hi
}
