using SkiaSharp;

namespace Glimpse.Core.Images;

/// <summary>
/// Decoding with SkiaSharp's SKCodec, arranged to give the pixels Hugging Face gets from
/// <c>transformers.image_utils.load_image</c>: EXIF orientation applied (<c>ImageOps.exif_transpose</c>), no colour
/// management (PIL ignores embedded profiles, and an SKImageInfo without a colour space makes Skia do the same), and
/// transparency composited onto white as <c>convert_to_rgb</c> does.
/// </summary>
internal static class SkiaImageDecoder
{
    /// <summary>
    /// PIL refuses images above twice <c>Image.MAX_IMAGE_PIXELS</c> (a decompression bomb); the same bound keeps a
    /// forged header from making us allocate gigabytes.
    /// </summary>
    public const long MaxPixels = 2L * 89_478_485;

    public static RgbImage Decode(byte[] bytes, string inputName)
    {
        if (bytes.Length == 0) throw new ImageDecodeException(inputName, "the input is empty (0 bytes)");
        // The codec takes ownership of the stream (SkiaSharp hands it to the native object, or frees it on failure).
        // SKCodecResult explains a failure, which the SKData overload does not report.
        using var codec = SKCodec.Create(new SKMemoryStream(bytes), out SKCodecResult openResult)
            ?? throw new ImageDecodeException(inputName, $"not a recognised PNG, JPEG, WebP, BMP or GIF image ({openResult})");

        SKImageInfo encoded = codec.Info;
        if ((long)encoded.Width * encoded.Height > MaxPixels)
            throw new ImageDecodeException(inputName, $"{encoded.Width}×{encoded.Height} pixels exceeds the limit of {MaxPixels} pixels");

        // Unpremultiplied RGBA keeps the stored colour of translucent pixels exact, which the white compositing needs.
        var target = new SKImageInfo(encoded.Width, encoded.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var rgba = new byte[(long)encoded.Width * encoded.Height * 4];
        SKCodecResult result;
        unsafe
        {
            fixed (byte* destination = rgba)
                result = codec.GetPixels(target, (IntPtr)destination);
        }
        if (result != SKCodecResult.Success)
        {
            string reason = result == SKCodecResult.IncompleteInput
                ? "the data ends before the image does (truncated file)"
                : $"the pixel data is corrupt ({result})";
            throw new ImageDecodeException(inputName, reason);
        }

        return ExifOrientation.Apply(CompositeOntoWhite(encoded.Width, encoded.Height, rgba), codec.EncodedOrigin);
    }

    public static ImageInfo? Probe(byte[] bytes)
    {
        if (bytes.Length == 0) return null;
        using var codec = SKCodec.Create(new SKMemoryStream(bytes));
        return codec is null ? null : Describe(codec);
    }

    public static ImageInfo? Probe(Stream stream)
    {
        // The codec owns the SKStream it is given, which must not close the caller's stream. Recognising the format
        // peeks at the first bytes and rewinds, so a stream that cannot seek gets a front buffer for that.
        SKStream header = stream.CanSeek
            ? new SKManagedStream(stream, disposeManagedStream: false)
            : new SKFrontBufferedManagedStream(stream, SKCodec.MinBufferedBytesNeeded, disposeUnderlyingStream: false);
        using var codec = SKCodec.Create(header);
        return codec is null ? null : Describe(codec);
    }

    private static ImageInfo Describe(SKCodec codec)
    {
        var format = codec.EncodedFormat switch
        {
            SKEncodedImageFormat.Png => ImageFormat.Png,
            SKEncodedImageFormat.Jpeg => ImageFormat.Jpeg,
            SKEncodedImageFormat.Webp => ImageFormat.Webp,
            SKEncodedImageFormat.Bmp => ImageFormat.Bmp,
            SKEncodedImageFormat.Gif => ImageFormat.Gif,
            _ => ImageFormat.Other,
        };
        var (width, height) = ExifOrientation.SwapsAxes(codec.EncodedOrigin)
            ? (codec.Info.Height, codec.Info.Width)
            : (codec.Info.Width, codec.Info.Height);
        return new ImageInfo(format, width, height);
    }

    /// <summary>
    /// PIL's <c>Image.alpha_composite(white, image)</c> followed by dropping alpha, in PIL's integer arithmetic
    /// (7 extra bits of precision, rounded division by 255) so that translucent pixels give PIL's bytes.
    /// </summary>
    private static RgbImage CompositeOntoWhite(int width, int height, byte[] rgba)
    {
        const int precisionBits = 7;
        var rgb = new byte[(long)width * height * 3];
        for (long pixel = 0, count = (long)width * height; pixel < count; pixel++)
        {
            uint alpha = rgba[pixel * 4 + 3];
            for (int c = 0; c < 3; c++)
            {
                uint colour = rgba[pixel * 4 + c];
                byte composited;
                if (alpha == 255) composited = (byte)colour;
                else if (alpha == 0) composited = 255;
                else
                {
                    // Over an opaque white destination PIL's coefficients reduce to alpha·2^7 and (255 − alpha)·2^7.
                    uint sourceWeight = alpha << precisionBits;
                    uint backgroundWeight = (255u << precisionBits) - sourceWeight;
                    uint sum = colour * sourceWeight + 255u * backgroundWeight + (0x80u << precisionBits);
                    composited = (byte)((((sum >> 8) + sum) >> 8) >> precisionBits);
                }
                rgb[pixel * 3 + c] = composited;
            }
        }
        return new RgbImage(width, height, rgb);
    }
}
