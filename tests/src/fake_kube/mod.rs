//! A fake Kubernetes API server that the real kubectl accepts (being written).
