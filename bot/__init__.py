"""The application: settings, wiring, web app, services, CLI."""
