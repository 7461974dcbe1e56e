"""The platform Qinglang governs: the adapter protocol, the built-in demo platform, its seed."""
