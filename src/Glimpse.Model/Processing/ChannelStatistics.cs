namespace Glimpse.Model.Processing;

/// <summary>Per-channel (R, G, B) mean and standard deviation for normalisation.</summary>
public sealed record ChannelStatistics(IReadOnlyList<double> Mean, IReadOnlyList<double> Std)
{
    /// <summary>OPENAI_CLIP_MEAN and OPENAI_CLIP_STD, the Hugging Face default of CLIP and Qwen2-VL processors.</summary>
    public static ChannelStatistics OpenAiClip { get; } = new(
        [0.48145466, 0.4578275, 0.40821073],
        [0.26862954, 0.26130258, 0.27577711]);

    internal static ChannelStatistics FromConfig(PreprocessorConfig config) => new(
        config.Channels("image_mean", [.. OpenAiClip.Mean]),
        config.Channels("image_std", [.. OpenAiClip.Std]));
}
