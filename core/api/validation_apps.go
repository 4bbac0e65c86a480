package api

import (
	"strconv"
	"strings"
)

// Validation of the apps/v1 controllers: ReplicaSet and Deployment.

func validateReplicaSet(rs *ReplicaSet) ErrorList {
	errs := validateObjectMeta(&rs.ObjectMeta, true, nameIsDNSSubdomain, NewPath("metadata"))
	sp := NewPath("spec")
	if rs.Spec.Replicas != nil {
		errs = append(errs, validateNonnegative(*rs.Spec.Replicas, sp.Child("replicas"))...)
	}
	errs = append(errs, validateNonnegative(rs.Spec.MinReadySeconds, sp.Child("minReadySeconds"))...)
	errs = append(errs, validateControllerTemplate(rs.Spec.Selector, &rs.Spec.Template, sp)...)
	return errs
}

func validateDeployment(d *Deployment) ErrorList {
	errs := validateObjectMeta(&d.ObjectMeta, true, nameIsDNSSubdomain, NewPath("metadata"))
	s, sp := &d.Spec, NewPath("spec")
	if s.Replicas != nil {
		errs = append(errs, validateNonnegative(*s.Replicas, sp.Child("replicas"))...)
	}
	errs = append(errs, validateControllerTemplate(s.Selector, &s.Template, sp)...)
	errs = append(errs, validateDeploymentStrategy(&s.Strategy, sp.Child("strategy"))...)
	errs = append(errs, validateNonnegative(s.MinReadySeconds, sp.Child("minReadySeconds"))...)
	if s.RevisionHistoryLimit != nil {
		errs = append(errs, validateNonnegative(*s.RevisionHistoryLimit, sp.Child("revisionHistoryLimit"))...)
	}
	if pd := s.ProgressDeadlineSeconds; pd != nil {
		errs = append(errs, validateNonnegative(*pd, sp.Child("progressDeadlineSeconds"))...)
		if *pd <= s.MinReadySeconds {
			errs = append(errs, sp.Child("progressDeadlineSeconds").Invalid(*pd, "must be greater than minReadySeconds"))
		}
	}
	return errs
}

// validateControllerTemplate checks a controller's selector and pod
// template: the selector is required, not empty, and matches the
// template's labels; the pod restarts Always and has no deadline.
func validateControllerTemplate(sel *LabelSelector, t *PodTemplateSpec, sp *FieldPath) ErrorList {
	var errs ErrorList
	selPath := sp.Child("selector")
	selectorOK := false
	switch {
	case sel == nil:
		errs = append(errs, selPath.Required(""))
	default:
		selErrs := validateLabelSelector(sel, selPath)
		errs = append(errs, selErrs...)
		if sel.IsEmpty() {
			errs = append(errs, selPath.Invalid(sel, "empty selector is invalid for deployment"))
		} else if len(selErrs) == 0 {
			selectorOK = true
		}
	}
	tp := sp.Child("template")
	if selectorOK && !sel.Matches(t.Labels) {
		errs = append(errs, tp.Child("metadata", "labels").Invalid(t.Labels, "`selector` does not match template `labels`"))
	}
	errs = append(errs, validateLabels(t.Labels, tp.Child("metadata", "labels"))...)
	errs = append(errs, validateAnnotations(t.Annotations, tp.Child("metadata", "annotations"))...)
	errs = append(errs, validatePodSpec(&t.Spec, tp.Child("spec"))...)
	if rp := t.Spec.RestartPolicy; rp != "" && rp != RestartPolicyAlways {
		errs = append(errs, tp.Child("spec", "restartPolicy").NotSupported(rp, []string{RestartPolicyAlways}))
	}
	if ads := t.Spec.ActiveDeadlineSeconds; ads != nil {
		errs = append(errs, tp.Child("spec", "activeDeadlineSeconds").Invalid(*ads, "activeDeadlineSeconds in ReplicaSet is not Supported"))
	}
	return errs
}

func validateDeploymentStrategy(s *DeploymentStrategy, p *FieldPath) ErrorList {
	switch s.Type {
	case RecreateDeploymentStrategyType:
		if s.RollingUpdate != nil {
			return ErrorList{p.Child("rollingUpdate").Forbidden("may not be specified when strategy `type` is 'Recreate'")}
		}
	case RollingUpdateDeploymentStrategyType, "":
		if s.RollingUpdate != nil {
			return validateRollingUpdate(s.RollingUpdate, p.Child("rollingUpdate"))
		}
	default:
		return ErrorList{p.Child("type").NotSupported(s.Type, []string{RecreateDeploymentStrategyType, RollingUpdateDeploymentStrategyType})}
	}
	return nil
}

// defaultRollingBound is what an unset maxSurge or maxUnavailable defaults to.
var defaultRollingBound = FromString("25%")

func validateRollingUpdate(ru *RollingUpdateDeployment, p *FieldPath) ErrorList {
	unavailable, surge := defaultRollingBound, defaultRollingBound
	if ru.MaxUnavailable != nil {
		unavailable = *ru.MaxUnavailable
	}
	if ru.MaxSurge != nil {
		surge = *ru.MaxSurge
	}
	up := p.Child("maxUnavailable")
	errs := validateIntOrPercent(unavailable, up)
	errs = append(errs, validateIntOrPercent(surge, p.Child("maxSurge"))...)
	if intOrPercentValue(unavailable) == 0 && intOrPercentValue(surge) == 0 {
		errs = append(errs, up.Invalid(unavailable, "may not be 0 when `maxSurge` is 0"))
	}
	if v, ok := percentValue(unavailable); ok && v > 100 {
		errs = append(errs, up.Invalid(unavailable, "must not be greater than 100%"))
	}
	return errs
}

// validateIntOrPercent accepts a non-negative integer or a percentage.
func validateIntOrPercent(v IntOrString, p *FieldPath) ErrorList {
	if !v.IsString {
		return validateNonnegative(v.IntVal, p)
	}
	var errs ErrorList
	for _, msg := range IsValidPercent(v.StrVal) {
		errs = append(errs, p.Invalid(v, msg))
	}
	return errs
}

// percentValue returns N for "N%"; ok is false for anything else.
func percentValue(v IntOrString) (int, bool) {
	if !v.IsString || len(IsValidPercent(v.StrVal)) != 0 {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSuffix(v.StrVal, "%"))
	return n, err == nil
}

// intOrPercentValue returns an integer, a percentage's number, or 0.
func intOrPercentValue(v IntOrString) int {
	if n, ok := percentValue(v); ok {
		return n
	}
	if v.IsString {
		n, _ := strconv.Atoi(v.StrVal)
		return n
	}
	return int(v.IntVal)
}
