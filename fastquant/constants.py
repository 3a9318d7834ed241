"""cv2's constants for ``kmeans``, under the same names and values."""

TERM_CRITERIA_COUNT = 1
TERM_CRITERIA_MAX_ITER = TERM_CRITERIA_COUNT
TERM_CRITERIA_EPS = 2

KMEANS_RANDOM_CENTERS = 0
KMEANS_USE_INITIAL_LABELS = 1
KMEANS_PP_CENTERS = 2

#: Candidates tried per center by k-means++ seeding (cv2's SPP_TRIALS).
KMEANSPP_TRIALS = 3
