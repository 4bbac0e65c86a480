package api

// Validation of probes and lifecycle hooks: exactly one handler each.

// validateProbes checks a container's three probes.
func validateProbes(c *Container, init bool, p *FieldPath) ErrorList {
	var errs ErrorList
	for _, pr := range []struct {
		name  string
		probe *Probe
	}{{"livenessProbe", c.LivenessProbe}, {"readinessProbe", c.ReadinessProbe}, {"startupProbe", c.StartupProbe}} {
		if pr.probe == nil {
			continue
		}
		pp := p.Child(pr.name)
		if init {
			errs = append(errs, pp.Forbidden("may not be set for init containers without restartPolicy=Always"))
			continue
		}
		errs = append(errs, validateProbe(pr.probe, pp)...)
		switch {
		case pr.name != "readinessProbe" && pr.probe.SuccessThreshold != 0 && pr.probe.SuccessThreshold != 1:
			errs = append(errs, pp.Child("successThreshold").Invalid(pr.probe.SuccessThreshold, "must be 1"))
		case pr.name == "readinessProbe" && pr.probe.TerminationGracePeriodSeconds != nil:
			errs = append(errs, pp.Child("terminationGracePeriodSeconds").Invalid(*pr.probe.TerminationGracePeriodSeconds, "must not be set for readinessProbes"))
		}
	}
	return errs
}

func validateProbe(pr *Probe, p *FieldPath) ErrorList {
	errs := validateHandler(&pr.ProbeHandler, p)
	errs = append(errs, validateNonnegative(pr.InitialDelaySeconds, p.Child("initialDelaySeconds"))...)
	errs = append(errs, validateNonnegative(pr.TimeoutSeconds, p.Child("timeoutSeconds"))...)
	errs = append(errs, validateNonnegative(pr.PeriodSeconds, p.Child("periodSeconds"))...)
	errs = append(errs, validateNonnegative(pr.SuccessThreshold, p.Child("successThreshold"))...)
	errs = append(errs, validateNonnegative(pr.FailureThreshold, p.Child("failureThreshold"))...)
	if g := pr.TerminationGracePeriodSeconds; g != nil && *g <= 0 {
		errs = append(errs, p.Child("terminationGracePeriodSeconds").Invalid(*g, "must be greater than 0"))
	}
	return errs
}

var supportedHTTPSchemes = []string{"HTTP", "HTTPS"}

// validateHandler checks that a probe or hook has exactly one handler.
func validateHandler(h *ProbeHandler, p *FieldPath) ErrorList {
	var errs ErrorList
	n := 0
	one := func(name string) bool {
		if n > 0 {
			errs = append(errs, p.Child(name).Forbidden("may not specify more than 1 handler type"))
			return false
		}
		n++
		return true
	}
	if h.Exec != nil && one("exec") && len(h.Exec.Command) == 0 {
		errs = append(errs, p.Child("exec", "command").Required(""))
	}
	if h.HTTPGet != nil && one("httpGet") {
		hp := p.Child("httpGet")
		errs = append(errs, validatePortNumOrName(h.HTTPGet.Port, hp.Child("port"))...)
		if s := h.HTTPGet.Scheme; s != "" && !supported(s, supportedHTTPSchemes) {
			errs = append(errs, hp.Child("scheme").NotSupported(s, supportedHTTPSchemes))
		}
		for i, hdr := range h.HTTPGet.HTTPHeaders {
			for _, msg := range IsHTTPHeaderName(hdr.Name) {
				errs = append(errs, hp.Child("httpHeaders").Index(i).Child("name").Invalid(hdr.Name, msg))
			}
		}
	}
	if h.TCPSocket != nil && one("tcpSocket") {
		errs = append(errs, validatePortNumOrName(h.TCPSocket.Port, p.Child("tcpSocket", "port"))...)
	}
	if n == 0 {
		errs = append(errs, p.Required("must specify a handler type"))
	}
	return errs
}
