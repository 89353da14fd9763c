"""Built-in collectors, installed as ``healthcheck_collectors``.

Each is registered in setup.cfg under the ``healthcheck.collectors`` entry-point
group, like any third-party collector.
"""
