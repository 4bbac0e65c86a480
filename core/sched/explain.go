package sched

import (
	"slices"
	"strconv"
	"strings"

	"github.com/capstan-dev/capstan/core/api"
)

// Explanation is a dry run of Schedule for one pod: the decision it would
// make now, every node it would visit with why it was filtered out or how
// each scorer scored it.
type Explanation struct {
	Result  Result
	Scorers []string // scorer names, the columns of NodeExplanation.Scores
	Weights []int64  // each scorer's weight in Total
	Nodes   []NodeExplanation
}

// NodeExplanation is one visited node: filtered (Reasons) or scored.
type NodeExplanation struct {
	Node    string
	Reasons []string // why a filter rejected it; empty if feasible
	Scores  []int64  // per scorer, normalised 0–100 (feasible nodes only)
	Total   int64    // weighted sum of Scores
}

// Explain runs Schedule's search for p without assuming it and without
// advancing the start index, recording every visited node. Called just
// before Schedule it predicts Schedule's choice exactly. A pod already
// accounted (assumed or bound) is left out of the state while it is
// explained, so that it does not repel or attract itself; the accounting
// is restored exactly afterwards.
func (s *Scheduler) Explain(p *api.Pod) Explanation {
	r := s.pods.get(keyOf(p))
	if r == nil {
		r = &PodRecord{}
	}
	return s.ExplainAt(r, p)
}

// ExplainAt is Explain for the pod whose record r is (see PodRecord).
func (s *Scheduler) ExplainAt(r *PodRecord, p *api.Pod) Explanation {
	if r.accounted() && p.Spec.NodeName == "" {
		s.apply(r, -1, false)
		defer s.apply(r, 1, false)
	}
	ex := &Explanation{Scorers: s.scorerNames(), Weights: slices.Clone(s.weights[:])}
	ex.Result = s.schedule(r, p, ex)
	return *ex
}

func (ex *Explanation) addFiltered(s *Scheduler, slot int32, why []int32) {
	reasons := make([]string, len(why))
	for i, r := range why {
		reasons[i] = s.reasons.text[r]
	}
	ex.Nodes = append(ex.Nodes, NodeExplanation{Node: s.nodes.name[slot], Reasons: reasons})
}

func (ex *Explanation) addScored(s *Scheduler, slot int32, sc [numScorers]int64, total int64) {
	scores := sc[:]
	ex.Nodes = append(ex.Nodes, NodeExplanation{Node: s.nodes.name[slot], Scores: scores, Total: total})
}

// DescribeScores returns the explanation as stable text: the outcome, the
// scored nodes by total (best first, then by name) with each scorer's
// normalised score, then the filtered nodes by name with their reasons.
func (ex Explanation) DescribeScores() string {
	var b strings.Builder
	r := ex.Result
	b.WriteString("pod " + r.Namespace + "/" + r.Name + ": " + r.Status.String())
	if r.Node != "" {
		b.WriteString(" on " + r.Node)
	}
	b.WriteString(" (" + strconv.Itoa(r.Evaluated) + "/" + strconv.Itoa(r.NumNodes) + " nodes evaluated, " + strconv.Itoa(r.Feasible) + " feasible)\n")
	if r.Status == Unschedulable {
		b.WriteString("  " + r.Message() + "\n")
	}
	var scored, filtered []NodeExplanation
	for _, n := range ex.Nodes {
		if len(n.Reasons) > 0 {
			filtered = append(filtered, n)
		} else {
			scored = append(scored, n)
		}
	}
	if len(scored) > 0 {
		slices.SortStableFunc(scored, func(a, b NodeExplanation) int {
			if a.Total != b.Total {
				if a.Total > b.Total {
					return -1
				}
				return 1
			}
			return strings.Compare(a.Node, b.Node)
		})
		b.WriteString("  scores (0-100, weight):")
		for k, name := range ex.Scorers {
			b.WriteString(" " + name + "×" + strconv.FormatInt(ex.Weights[k], 10))
		}
		b.WriteString("\n")
		for _, n := range scored {
			mark := "   "
			if n.Node == r.Node {
				mark = "  *"
			}
			b.WriteString(mark + n.Node + ":")
			for _, v := range n.Scores {
				b.WriteString(" " + strconv.FormatInt(v, 10))
			}
			b.WriteString(" = " + strconv.FormatInt(n.Total, 10) + "\n")
		}
	}
	if len(filtered) > 0 {
		slices.SortStableFunc(filtered, func(a, b NodeExplanation) int { return strings.Compare(a.Node, b.Node) })
		b.WriteString("  filtered:\n")
		for _, n := range filtered {
			b.WriteString("    " + n.Node + ": " + strings.Join(n.Reasons, ", ") + "\n")
		}
	}
	return b.String()
}
