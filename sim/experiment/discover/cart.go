package discover

import (
	"fmt"
	"math"
	"sort"
)

// TreeOptions controls CART. The zero value gives the defaults.
type TreeOptions struct {
	// MaxDepth is the greatest depth of a leaf (the root has depth 0).
	// Zero means 4.
	MaxDepth int
	// MinLeaf is the least number of cases in a leaf. Zero means 5 % of
	// the cases (at least 1).
	MinLeaf int
}

// Node is a node of a classification tree.
type Node struct {
	// Input is the input the node splits on, or −1 for a leaf.
	Input int
	// Threshold is the split: cases with input value ≤ Threshold go to
	// Left, the others to Right. It lies midway between two data values.
	Threshold float64
	// Left and Right are the indices of the children in Tree.Nodes, or
	// −1 for a leaf.
	Left, Right int
	// N is the number of cases at the node, NInterest of those of
	// interest, Share their ratio.
	N, NInterest int
	Share        float64
	// Depth is the number of splits above the node.
	Depth int
	// Limits is the node's region of the input space, bounded by the data
	// minimum and maximum and by the splits above it.
	Limits []Limit
}

// Tree is a classification tree grown by Data.Tree. Nodes[0] is the root.
type Tree struct {
	Nodes []Node
	data  *Data
}

// Tree grows a classification tree (Breiman et al. 1984) on the cases: each
// node is split in two at the threshold on one input that minimises the
// weighted Gini impurity n_L·2p_L(1−p_L) + n_R·2p_R(1−p_R) of its children,
// over all inputs and all midpoints between consecutive distinct values,
// keeping at least MinLeaf cases on each side. A node is a leaf when it is
// pure, at MaxDepth, or when no split lowers the impurity. Ties go to the
// lower input index, then the lower threshold. There is no pruning beyond
// MaxDepth and MinLeaf.
func (d *Data) Tree(opt TreeOptions) (*Tree, error) {
	if opt.MaxDepth == 0 {
		opt.MaxDepth = 4
	}
	if opt.MinLeaf == 0 {
		opt.MinLeaf = minCount(0.05, d.Len())
		if opt.MinLeaf < 1 {
			opt.MinLeaf = 1
		}
	}
	if opt.MaxDepth < 0 {
		return nil, fmt.Errorf("discover: tree depth %d: give a depth of at least 1", opt.MaxDepth)
	}
	if opt.MinLeaf < 0 {
		return nil, fmt.Errorf("discover: minimum leaf size %d: give at least 1 case", opt.MinLeaf)
	}
	idx := make([]int, d.Len())
	for i := range idx {
		idx[i] = i
	}
	t := &Tree{data: d}
	t.grow(idx, d.Bounds(), 0, opt)
	return t, nil
}

func gini(n, h int) float64 {
	if n == 0 {
		return 0
	}
	p := float64(h) / float64(n)
	return float64(n) * 2 * p * (1 - p)
}

// grow adds the node of cases idx and its subtree, returning its index.
func (t *Tree) grow(idx []int, lim []Limit, depth int, opt TreeOptions) int {
	d := t.data
	h := d.countInterest(idx)
	self := len(t.Nodes)
	t.Nodes = append(t.Nodes, Node{
		Input: -1, Left: -1, Right: -1,
		N: len(idx), NInterest: h, Share: float64(h) / float64(len(idx)),
		Depth: depth, Limits: append([]Limit(nil), lim...),
	})
	if h == 0 || h == len(idx) || depth >= opt.MaxDepth || len(idx) < 2*opt.MinLeaf {
		return self
	}
	bestImp := gini(len(idx), h) - 1e-9
	bestJ, bestThr := -1, 0.0
	order := make([]int, 0, len(idx))
	for j := range d.cols {
		col := d.cols[j]
		order = d.sortBy(order[:0], idx, j)
		hl := 0
		for m := 1; m < len(order); m++ { // left = order[:m]
			if d.y[order[m-1]] {
				hl++
			}
			a, b := col[order[m-1]], col[order[m]]
			if a == b || m < opt.MinLeaf || len(order)-m < opt.MinLeaf {
				continue
			}
			thr := a + (b-a)/2
			if thr <= a || thr >= b {
				continue
			}
			imp := gini(m, hl) + gini(len(order)-m, h-hl)
			if imp < bestImp {
				bestImp, bestJ, bestThr = imp, j, thr
			}
		}
	}
	if bestJ < 0 {
		return self
	}
	var left, right []int
	for _, i := range idx {
		if d.cols[bestJ][i] <= bestThr {
			left = append(left, i)
		} else {
			right = append(right, i)
		}
	}
	ll := append([]Limit(nil), lim...)
	ll[bestJ].Hi = math.Min(ll[bestJ].Hi, bestThr)
	rl := append([]Limit(nil), lim...)
	rl[bestJ].Lo = math.Max(rl[bestJ].Lo, bestThr)
	l := t.grow(left, ll, depth+1, opt)
	r := t.grow(right, rl, depth+1, opt)
	t.Nodes[self].Input, t.Nodes[self].Threshold = bestJ, bestThr
	t.Nodes[self].Left, t.Nodes[self].Right = l, r
	return self
}

// Leaves returns the indices of the leaves in Tree.Nodes, in depth-first
// order from left to right.
func (t *Tree) Leaves() []int {
	var out []int
	var walk func(i int)
	walk = func(i int) {
		n := t.Nodes[i]
		if n.Input < 0 {
			out = append(out, i)
			return
		}
		walk(n.Left)
		walk(n.Right)
	}
	if len(t.Nodes) > 0 {
		walk(0)
	}
	return out
}

// Box returns node i as a box with its statistics, to be described by
// Data.Restrictions and Data.Sentence. The box's limits are the node's
// region; a lower limit is a split threshold that no case equals, so the
// box holds exactly the node's cases. An index out of range gives the zero
// Box.
func (t *Tree) Box(i int) Box {
	if i < 0 || i >= len(t.Nodes) {
		return Box{}
	}
	n := t.Nodes[i]
	d := t.data
	return Box{
		Limits:     append([]Limit(nil), n.Limits...),
		N:          n.N,
		NInterest:  n.NInterest,
		Coverage:   float64(n.NInterest) / float64(d.nInterest),
		Density:    n.Share,
		Mass:       float64(n.N) / float64(d.Len()),
		Restricted: d.restricted(n.Limits),
	}
}

// LeavesOfInterest returns, as boxes, the leaves whose share of cases of
// interest is at least minShare (0.5 for a majority), the largest coverage
// first.
func (t *Tree) LeavesOfInterest(minShare float64) []Box {
	var out []Box
	for _, i := range t.Leaves() {
		if t.Nodes[i].Share >= minShare {
			out = append(out, t.Box(i))
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Coverage > out[b].Coverage })
	return out
}

// Predict returns the share of cases of interest in the leaf that the point
// x (one value per input) falls in, or NaN if x has the wrong length.
func (t *Tree) Predict(x []float64) float64 {
	if len(t.Nodes) == 0 || len(x) != t.data.Inputs() {
		return math.NaN()
	}
	i := 0
	for t.Nodes[i].Input >= 0 {
		n := t.Nodes[i]
		if x[n.Input] <= n.Threshold {
			i = n.Left
		} else {
			i = n.Right
		}
	}
	return t.Nodes[i].Share
}
