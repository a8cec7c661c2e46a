from explorer.web.ratelimit import WINDOW_SECONDS, SlidingWindow


def test_window_allows_up_to_the_limit_then_says_how_long_to_wait():
    window = SlidingWindow()
    assert all(window.allow("a", 3, now=t) == 0 for t in (0.0, 1.0, 2.0))
    assert window.allow("a", 3, now=3.0) == WINDOW_SECONDS - 3.0
    assert window.allow("b", 3, now=3.0) == 0  # per client
    assert window.allow("a", 3, now=WINDOW_SECONDS + 0.5) == 0  # the first hit expired
