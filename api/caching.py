"""Cached API reads: a list page or a detail, once per data generation (core/freshness.py).

The cache sits after authentication, permissions and throttling (DRF has run them when
`list` or `retrieve` is called) and its key holds who asks, so one caller's answer never
reaches another. Only complete 200 answers are kept, as the bytes the renderer made.
"""

from django.http import HttpResponse

from core import freshness


class CachedReadMixin:
    def _cached_read(self, request, read):
        if not freshness.enabled():
            return read()
        parts = (
            "api",
            request.user.pk,
            request.get_host(),  # the pages' next/previous links are absolute
            request.get_full_path(),
            request.accepted_media_type,
        )
        found, hit, current = freshness.lookup(parts)
        if found:
            content_type, content = hit
            return HttpResponse(content, content_type=content_type)
        response = read()
        if response.status_code == 200:
            # Rendered here rather than on the way out, so the bytes can be kept.
            response.accepted_renderer = request.accepted_renderer
            response.accepted_media_type = request.accepted_media_type
            response.renderer_context = self.get_renderer_context() | {"response": response}
            response.render()
            freshness.keep(parts, current, (response["Content-Type"], response.content))
        return response

    def list(self, request, *args, **kwargs):
        return self._cached_read(request, lambda: super(CachedReadMixin, self).list(request, *args, **kwargs))

    def retrieve(self, request, *args, **kwargs):
        return self._cached_read(
            request, lambda: super(CachedReadMixin, self).retrieve(request, *args, **kwargs)
        )
