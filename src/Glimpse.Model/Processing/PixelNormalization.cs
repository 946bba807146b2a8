using Glimpse.Core.Images;

namespace Glimpse.Model.Processing;

/// <summary>
/// The rescale and normalise steps of Hugging Face image processors, in their precision, producing channels-first
/// float32 (C, H, W). <c>rescale</c> multiplies in float64 and stores float32; <c>normalize</c> subtracts and divides
/// in float32 with the mean and std cast to float32. Matching that order keeps outputs bit-identical.
/// </summary>
internal static class PixelNormalization
{
    /// <param name="image">The resized, cropped image.</param>
    /// <param name="rescaleFactor">Usually 1/255; null skips rescaling.</param>
    /// <param name="normalization">Per-channel mean and standard deviation; null skips normalisation.</param>
    public static float[] ToChannelsFirst(RgbImage image, double? rescaleFactor, ChannelStatistics? normalization)
    {
        long plane = (long)image.Width * image.Height;
        var result = new float[plane * 3];
        for (int c = 0; c < 3; c++)
        {
            float channelMean = normalization is null ? 0f : (float)normalization.Mean[c];
            float channelStd = normalization is null ? 1f : (float)normalization.Std[c];
            for (long i = 0; i < plane; i++)
            {
                byte raw = image.Pixels[i * 3 + c];
                float value = rescaleFactor is double factor ? (float)(raw * factor) : raw;
                result[c * plane + i] = normalization is null ? value : (value - channelMean) / channelStd;
            }
        }
        return result;
    }
}
