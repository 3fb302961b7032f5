"""The design engine: plain language in, Well-Architected Terraform out.

It knows nothing of Kubernetes, Redis or HTTP servers; the operator, the CLI and the tests
drive it through :func:`autcloud.agent.design.run_design`.
"""
