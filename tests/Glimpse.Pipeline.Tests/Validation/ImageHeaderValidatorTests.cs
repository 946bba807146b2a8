using Glimpse.Core.Images;
using Glimpse.Core.Validation;

namespace Glimpse.Pipeline.Tests.Validation;

public sealed class ImageHeaderValidatorTests
{
    private static readonly ImageHeaderValidator Validator = new(new ImageLimits());

    private static ImageHeaderValidation Validate(byte[] image) =>
        Validator.Validate(image.Take(Validator.Limits.HeaderBytes).ToArray(), image.Length);

    [Fact]
    public void A_real_image_passes_from_its_first_bytes_alone()
    {
        byte[] image = TinyModels.LlavaImage();
        var decoded = RgbImage.Decode(image);

        var validation = Validator.Validate(image[..Math.Min(image.Length, 1024)], image.Length);

        Assert.True(validation.IsValid, string.Join("; ", validation.Problems));
        Assert.Equal(ImageFormat.Png, validation.Info!.Format);
        Assert.Equal((decoded.Width, decoded.Height), (validation.Info.Width, validation.Info.Height));
    }

    [Fact]
    public void A_png_claiming_100000_by_100000_pixels_is_a_decompression_bomb()
    {
        byte[] bomb = CraftedImages.Png(100_000, 100_000);
        Assert.True(bomb.Length < 4096);

        var validation = Validate(bomb);

        Assert.Equal(["the image is 100000×100000 = 10000000000 pixels; the limit is 50000000 (decompression-bomb guard)"], validation.Problems);
    }

    [Fact]
    public void A_gif_over_the_pixel_bound_is_refused()
    {
        var validation = new ImageHeaderValidator(new ImageLimits { MaxPixels = 1000 }).Validate(CraftedImages.Gif(100, 100), 30);

        Assert.Contains("100×100 = 10000 pixels; the limit is 1000", Assert.Single(validation.Problems));
    }

    [Fact]
    public void Small_crafted_images_pass()
    {
        Assert.True(Validate(CraftedImages.Png(64, 48, rows: 48)).IsValid);
        Assert.True(Validate(CraftedImages.Gif(8, 8)).IsValid);
    }

    [Fact]
    public void A_zero_byte_image_is_a_clear_error()
    {
        Assert.Equal(["the image is empty (0 bytes)"], Validator.Validate([], 0).Problems);
    }

    [Fact]
    public void An_image_over_the_byte_bound_is_refused_without_reading_it()
    {
        var validation = Validator.Validate(CraftedImages.Png(10, 10), 33L * 1024 * 1024);

        Assert.Equal([$"the image is {33L * 1024 * 1024} bytes; the limit is {32L * 1024 * 1024}"], validation.Problems);
    }

    [Theory]
    [InlineData("not an image at all, just text")]
    [InlineData("%PDF-1.7\n1 0 obj")]
    [InlineData("<svg xmlns='http://www.w3.org/2000/svg'/>")]
    public void Bytes_that_are_no_image_are_refused(string text)
    {
        byte[] bytes = System.Text.Encoding.ASCII.GetBytes(text);

        Assert.Equal(["not a recognised PNG, JPEG, WebP, GIF or BMP image"], Validator.Validate(bytes, bytes.Length).Problems);
    }

    [Fact]
    public void A_header_missing_from_the_prefix_says_how_much_was_read()
    {
        byte[] junk = new byte[100];

        Assert.Equal(["no PNG, JPEG, WebP, GIF or BMP header in the image's first 100 bytes"], Validator.Validate(junk, 5000).Problems);
    }

    [Fact]
    public void A_format_outside_the_allowed_list_is_refused()
    {
        var validator = new ImageHeaderValidator(new ImageLimits { AllowedFormats = new HashSet<ImageFormat> { ImageFormat.Jpeg } });

        var problem = Assert.Single(validator.Validate(CraftedImages.Png(10, 10), 200).Problems);

        Assert.Equal("the image format is not allowed; allowed: JPEG", problem);
    }

    [Fact]
    public void A_truncated_image_with_an_intact_header_passes_here_and_fails_to_decode()
    {
        byte[] image = TinyModels.LlavaImage();
        byte[] truncated = image[..(image.Length / 2)];

        Assert.True(Validate(truncated).IsValid);
        Assert.Throws<ImageDecodeException>(() => RgbImage.Decode(truncated));
    }
}
