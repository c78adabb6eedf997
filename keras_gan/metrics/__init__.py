"""Metrics of generative models on features, class probabilities and images.

The functions here are the math, on features from any extractor: `frechet_distance`
(FID, Heusel et al. 2017), `kernel_inception_distance` (KID, Binkowski et al. 2018),
`inception_score` (Salimans et al. 2016), `precision_recall` (Kynkaanniemi et al.
2019), computed in float64 on the host; and `psnr` / `ssim` (Wang et al. 2004) in
`keras.ops`, one value per image. The classes are streaming `keras.metrics.Metric`s
on images, with InceptionV3 features (`InceptionV3Features`) or any extractor.
"""

from keras_gan.metrics.evaluation import METRIC_NAMES, collect_images, evaluate, get
from keras_gan.metrics.frechet import (
    feature_statistics,
    frechet_distance,
    frechet_distance_from_statistics,
)
from keras_gan.metrics.inception import InceptionV3Features
from keras_gan.metrics.image_quality import psnr, rgb_to_y, ssim
from keras_gan.metrics.inception_score import inception_score
from keras_gan.metrics.kernel import kernel_inception_distance, polynomial_mmd2
from keras_gan.metrics.precision_recall import precision_recall
from keras_gan.metrics.mnist import (
    mnist_classifier,
    mnist_classify,
    mnist_frechet_distance,
    mnist_score,
    mnist_stacked_classes,
)
from keras_gan.metrics.streaming import (
    FrechetInceptionDistance,
    InceptionScore,
    KernelInceptionDistance,
    PrecisionRecall,
)

__all__ = [
    "METRIC_NAMES",
    "FrechetInceptionDistance",
    "InceptionScore",
    "InceptionV3Features",
    "KernelInceptionDistance",
    "PrecisionRecall",
    "feature_statistics",
    "frechet_distance",
    "frechet_distance_from_statistics",
    "inception_score",
    "collect_images",
    "evaluate",
    "get",
    "kernel_inception_distance",
    "mnist_classifier",
    "mnist_classify",
    "mnist_frechet_distance",
    "mnist_score",
    "mnist_stacked_classes",
    "polynomial_mmd2",
    "precision_recall",
    "psnr",
    "rgb_to_y",
    "ssim",
]
