// Package discover finds the regions of a batch of simulation cases where a
// boolean outcome holds: scenario discovery.
//
// The input is a set of n cases, each a point in a d-dimensional space of
// continuous inputs (for example tolerance, CPM and react_rate), and for each
// case a boolean that says whether the case is of interest (for example "paid
// push beats subscription on platform revenue"). The package offers two
// views of the same data:
//
//   - PRIM, the Patient Rule Induction Method of Friedman and Fisher, used for
//     scenario discovery as in Bryant and Lempert. Data.PRIM peels a box
//     from all the cases down to a minimum mass and records the peeling
//     trajectory; Trajectory.BestDensity and Trajectory.Knee select a box
//     from it; Data.Paste enlarges a box again; Data.Cover finds several
//     boxes one after the other (covering); Data.Restrictions reports the
//     restricted inputs of a box with their quasi-p-values; Data.Sentence
//     renders a box as an English sentence.
//   - CART, a classification tree after Breiman et al.: Data.Tree grows a
//     tree of binary splits that minimise the Gini impurity, and
//     Tree.LeavesOfInterest returns its leaves as boxes, which the same
//     Restrictions and Sentence describe.
//
// Box statistics follow Bryant and Lempert: coverage is the share of all the
// cases of interest that lie inside the box, density the share of the cases
// inside the box that are of interest, and mass the share of all cases that
// lie inside the box.
//
// All the algorithms are deterministic: they draw no random numbers, and ties
// are broken by fixed rules documented with each function.
//
// References:
//
//   - J. H. Friedman and N. I. Fisher (1999), Bump hunting in high-dimensional
//     data, Statistics and Computing 9:123–143.
//   - B. P. Bryant and R. J. Lempert (2010), Thinking inside the box: a
//     participatory, computer-assisted approach to scenario discovery,
//     Technological Forecasting & Social Change 77:34–49.
//   - L. Breiman, J. H. Friedman, R. A. Olshen and C. J. Stone (1984),
//     Classification and Regression Trees, Wadsworth.
package discover
