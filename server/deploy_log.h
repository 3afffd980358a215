// Deploy events mirrored into a log stream, so that Grafana's Loki data source, pointed at
// vigied, shows them as annotations with no plugin and no other data source (docs/alerts.md,
// "Deploys"). Each deploy is one logfmt line at its time, in the stream
//   {job="vigie-deploys", deploy_service="<service>"[, deploy_environment="<environment>"]}
// (labels of their own, so that a query of the service's logs, {service="front"}, does not
// count deploys among its lines).
#pragma once

#include <functional>
#include <string>

#include "alerts/alert.h"
#include "server/ingester.h"

namespace vigie::server {

// `service=front environment=prod version=67 commit=3f2c1ab author="Ada L" description="..."
// url=... end=<RFC 3339> id=...`: empty fields left out, values quoted (JSON escapes) when they
// hold spaces, quotes, '=' or control characters.
std::string DeployLogLine(const alerts::Deploy& deploy);

// A DeployStoreOptions::on_recorded that ingests each deploy's line through `ingester` (not
// owned; must outlive the function). A line the ingester refuses (a time beyond its window) is
// logged: the deploy itself is recorded all the same.
std::function<void(const alerts::Deploy&)> DeployLogWriter(Ingester* ingester);

}  // namespace vigie::server
