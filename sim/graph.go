package sim

import (
	"context"
	"fmt"
)

// Graph is an undirected social graph in compressed sparse rows: the
// contacts of user u are Adj[Start[u]:Start[u+1]].
type Graph struct {
	Start []int32
	Adj   []int32
}

// Degree returns the number of contacts of u.
func (g *Graph) Degree(u int) int { return int(g.Start[u+1] - g.Start[u]) }

// Contacts returns the contacts of u (not to be modified).
func (g *Graph) Contacts(u int) []int32 { return g.Adj[g.Start[u]:g.Start[u+1]] }

// HolmeKim grows a clustered scale-free graph of n nodes by the process of
// Holme & Kim (2002), the one gonum's gen.TunableClusteringScaleFree
// implements: start from a star of m nodes; each new node makes m edges, the
// first to an existing node chosen with probability proportional to its
// degree, each further one with probability triad to a random contact of the
// last preferentially chosen node (closing a triangle), otherwise again by
// preferential attachment. This version samples degree-proportionally from
// the list of edge endpoints, so it takes O(n·m) time instead of gonum's
// O(n²) reweighting, and it visits contacts in a fixed order, so the graph
// depends on the stream alone. graph_test.go checks it against gonum's.
func HolmeKim(n, m int, triad float64, rnd *Stream) (*Graph, error) {
	return holmeKim(context.Background(), n, m, triad, rnd)
}

// holmeKim is HolmeKim that stops with ctx's error soon after ctx is done.
func holmeKim(ctx context.Context, n, m int, triad float64, rnd *Stream) (*Graph, error) {
	if m < 1 || n <= m {
		return nil, fmt.Errorf("sim: Holme–Kim graph needs 1 <= m < n, got n=%d m=%d", n, m)
	}
	adj := make([][]int32, n)
	ends := make([]int32, 0, 2*n*m)
	link := func(a, b int32) {
		adj[a] = append(adj[a], b)
		adj[b] = append(adj[b], a)
		ends = append(ends, a, b)
	}
	for u := 1; u < m; u++ {
		link(0, int32(u))
	}
	if m == 1 {
		// A single seed node has no endpoints yet: give it weight one.
		ends = append(ends, 0)
	}
	linked := func(v int32, targets []int32, w int32) bool {
		if w == v {
			return true
		}
		for _, t := range targets {
			if t == w {
				return true
			}
		}
		return false
	}
	targets := make([]int32, 0, m)
	for v := int32(m); int(v) < n; v++ {
		if err := stopped(ctx, int(v)); err != nil {
			return nil, err
		}
		targets = targets[:0]
		var last int32 = -1
		for i := 0; i < m; i++ {
			if i > 0 && last >= 0 && rnd.Float64() < triad {
				nb := adj[last]
				// Random contact of the last target not linked yet: start
				// at a random offset and go round.
				off := rnd.IntN(len(nb))
				found := false
				for k := 0; k < len(nb); k++ {
					w := nb[(off+k)%len(nb)]
					if !linked(v, targets, w) {
						targets = append(targets, w)
						found = true
						break
					}
				}
				if found {
					continue
				}
			}
			for tries := 0; ; tries++ {
				w := ends[rnd.IntN(len(ends))]
				if !linked(v, targets, w) {
					targets = append(targets, w)
					last = w
					break
				}
				if tries > 64*m {
					// All reachable nodes are linked (tiny graphs): take
					// the lowest free node.
					for w = 0; w < v && linked(v, targets, w); w++ {
					}
					if w < v {
						targets = append(targets, w)
						last = w
					}
					break
				}
			}
		}
		for _, w := range targets {
			link(v, w)
		}
	}
	g := &Graph{Start: make([]int32, n+1)}
	total := 0
	for u := range adj {
		g.Start[u] = int32(total)
		total += len(adj[u])
	}
	g.Start[n] = int32(total)
	g.Adj = make([]int32, 0, total)
	for u := range adj {
		g.Adj = append(g.Adj, adj[u]...)
		adj[u] = nil
	}
	return g, nil
}
