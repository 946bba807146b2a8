using Glimpse.Core.Images;

namespace Glimpse.Model.Processing;

/// <summary>Turns a decoded image into a model's image input, reproducing a Hugging Face image processor.</summary>
public interface IImageProcessor
{
    /// <summary>The processor's output; the caller owns it and disposes it.</summary>
    ProcessedImage Process(RgbImage image);
}
