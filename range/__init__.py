"""cyberrange range engine: scenarios, topology, plans, backends, provisioning."""
