package main

import (
	"errors"
	"math/rand/v2"
	"sort"
)

// replicaPlan is the partition reassignment that brings every partition to rf replicas, the way
// upstream's buildAssignment does: a lower factor keeps the first rf replicas of each partition, a
// higher one appends brokers that do not hold the partition yet, picked at random (pick(n) returns a
// number in [0, n)). brokers are the ids of the cluster's live brokers.
func replicaPlan(current map[int32][]int32, brokers []int32, rf int, pick func(n int) int) (map[int32][]int32, error) {
	if pick == nil {
		pick = rand.IntN
	}
	parts := make([]int32, 0, len(current))
	for p := range current {
		parts = append(parts, p)
	}
	sort.Slice(parts, func(i, j int) bool { return parts[i] < parts[j] })
	plan := make(map[int32][]int32, len(current))
	for _, p := range parts {
		used := current[p]
		delta := rf - len(used)
		switch {
		case delta == 0:
			plan[p] = append([]int32(nil), used...)
		case delta < 0:
			if rf < 1 {
				return nil, errors.New("dropping too many replicas")
			}
			plan[p] = append([]int32(nil), used[:rf]...)
		default:
			unused := unusedBrokers(brokers, used)
			if len(unused) < delta {
				return nil, errors.New("not enough brokers")
			}
			next := append([]int32(nil), used...)
			for i := 0; i < delta; i++ {
				j := pick(len(unused))
				next = append(next, unused[j])
				unused[j] = unused[len(unused)-1]
				unused = unused[:len(unused)-1]
			}
			plan[p] = next
		}
	}
	return plan, nil
}

func unusedBrokers(brokers, used []int32) []int32 {
	holds := map[int32]bool{}
	for _, b := range used {
		holds[b] = true
	}
	var out []int32
	for _, b := range brokers {
		if b != -1 && !holds[b] {
			out = append(out, b)
		}
	}
	return out
}
