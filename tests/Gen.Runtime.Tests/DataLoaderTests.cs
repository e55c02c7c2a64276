using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Gen.Runtime.Tests;

public partial class DataLoaderTests
{
    private static long[] Order(DataLoader dl) => Enumerable.Range(0, dl.Count).SelectMany(i => dl.Batch(i).X.data<long>().ToArray()).ToArray();

    [Fact]
    public void A_shuffled_order_is_a_function_of_the_seed_and_the_epoch_alone()
    {
        var x = arange(20L).unsqueeze(1);
        using var a = new DataLoader(x, x, 5, shuffle: true, seed: 3);
        using var b = new DataLoader(x, x, 5, shuffle: true, seed: 3);
        a.StartPass(0); a.StartPass(1); a.StartPass(2); a.StartPass(3);   // a resumed fit starts at epoch 3 directly
        b.StartPass(3);
        Assert.Equal(Order(a), Order(b));
        Assert.Equal(Enumerable.Range(0, 20).Select(i => (long)i), Order(a).Order());
        b.StartPass(4);
        Assert.NotEqual(Order(a), Order(b));
        using var c = new DataLoader(x, x, 5, shuffle: true, seed: 4);
        c.StartPass(3);
        Assert.NotEqual(Order(a), Order(c));
    }

    [Fact]
    public void GetIdxs_is_the_order_a_pass_takes_its_samples_in()
    {
        var x = arange(23L).unsqueeze(1);
        using var shuffled = new DataLoader(x, x, 4, shuffle: true, dropLast: true, seed: 9);
        shuffled.StartPass(2);
        Assert.Equal(shuffled.GetIdxs(2).Take(shuffled.Count * 4), Order(shuffled));
        Assert.NotEqual(shuffled.GetIdxs(2), shuffled.GetIdxs(3));
        using var inOrder = new DataLoader(x, x, 4);
        Assert.Equal(Enumerable.Range(0, 23).Select(i => (long)i), inOrder.GetIdxs(7));
    }

    [Fact]
    public void A_prefetched_pass_hands_out_the_batches_of_that_epoch_in_order()
    {
        var x = arange(64L).unsqueeze(1).to(float32);
        using var dl = new DataLoader(x, 2 * x, 8, shuffle: true, seed: 1);
        dl.StartPass(5);
        var expected = Enumerable.Range(0, dl.Count).Select(i => dl.Batch(i).X.data<float>().ToArray()).ToList();
        using (var pass = dl.Pass(5))
            for (int i = 0; i < dl.Count; i++)
            {
                var batch = pass.Take(i);
                Assert.Equal(expected[i], batch.X.data<float>().ToArray());
                Assert.Equal(expected[i].Select(v => 2 * v), batch.Y.data<float>().ToArray());
            }
        Assert.Equal(0, BatchPass.LiveWorkers);
    }

    /// <summary>A TorchSharp dataset: item i is {"data": [i, i], "label": i % 3}; item <paramref name="failAt"/> throws.</summary>
    private sealed class Items(long count, long failAt = -1) : utils.data.Dataset
    {
        public override long Count => count;

        public override Dictionary<string, Tensor> GetTensor(long index)
        {
            if (index == failAt) throw new InvalidOperationException($"item {index} is corrupt");
            return new() { ["data"] = full(2, (float)index), ["label"] = tensor(index % 3) };
        }
    }

    [Fact]
    public void A_torchsharp_dataset_is_batched_by_keys_with_fastais_semantics()
    {
        using var dl = new DataLoader(new Items(10), batchSize: 4, shuffle: true, dropLast: true, seed: 2);
        Assert.Equal(2, dl.Count);
        dl.StartPass(0);
        var batch = dl.Batch(0);
        Assert.Equal([4L, 2], batch.X.shape);
        Assert.Equal([4L], batch.Y.shape);
        var ids = batch.X.select(1, 0).data<float>().ToArray().Select(v => (long)v).ToArray();
        Assert.Equal(ids.Select(i => i % 3), batch.Y.data<long>().ToArray());
        using var valid = new DataLoader(new Items(10), batchSize: 4);
        Assert.Equal(3, valid.Count);
        Assert.Equal([8f, 8, 9, 9], valid.Batch(2).X.flatten().data<float>().ToArray());
        Assert.Contains("has no 'image'", Assert.Throws<KeyNotFoundException>(() => new DataLoader(new Items(4), 2, inputs: ["image"]).Batch(0)).Message);
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => new DataLoader(new Items(0), 2)).Message);
    }

    private static Learner Fitting(DataLoader train, nn.Module<Tensor, Tensor>? model = null, params Callback[] cbs) =>
        new(model ?? nn.Linear(2, 1), new DataLoaders(train, new DataLoader(new Items(4), 2)),
            (p, t) => nn.functional.mse_loss(p.squeeze(1), t.to(float32)), cbs: cbs);

    [Fact]
    public void An_item_that_throws_names_its_batch_and_the_worker_ends_with_the_fit()
    {
        using var learn = Fitting(new DataLoader(new Items(12, failAt: 9), batchSize: 4));
        var error = Assert.Throws<DataLoaderException>(() => learn.Fit(1));
        Assert.Equal(2, error.Batch);
        Assert.Contains("Batch 2 of 3 could not be made: item 9 is corrupt", error.Message);
        Assert.Equal(0, BatchPass.LiveWorkers);
    }

    [Fact]
    public void A_batch_that_does_not_fit_the_model_says_which_and_what_to_check()
    {
        using var learn = Fitting(new DataLoader(new Items(8), batchSize: 4), model: nn.Linear(3, 1));
        var error = Assert.Throws<InvalidOperationException>(() => learn.Fit(1));
        Assert.Contains("Batch 0 of the training loader does not fit the model: inputs of shape [4, 2]", error.Message);
        Assert.Contains("Check the data's shape", error.Message);
    }

    /// <summary>Disposes the Learner in the middle of the epoch, as an application shutting down would.</summary>
    private sealed partial class DisposeAt(int iter) : Callback
    {
        [Event] void AfterBatch(Learner learn) { if (learn.Training && learn.Iter == iter) learn.Dispose(); }
    }

    [Fact]
    public void No_worker_outlives_a_learner_disposed_mid_epoch()
    {
        var x = randn(400, 2);
        var learn = Fitting(new DataLoader([x], [x.sum(1)], 4, shuffle: true), cbs: [new DisposeAt(10)]);
        Assert.ThrowsAny<ObjectDisposedException>(() => learn.Fit(1));
        Assert.Equal(0, BatchPass.LiveWorkers);
    }

    [Fact]
    public void A_learner_disposed_from_another_thread_stops_its_fit_cleanly()
    {
        for (int run = 0; run < 5; run++)
        {
            var x = randn(4000, 2);
            var learn = Fitting(new DataLoader([x], [x.sum(1)], 4, shuffle: true));
            var disposer = new System.Threading.Thread(() => { System.Threading.Thread.Sleep(20 + 7 * run); learn.Dispose(); });
            disposer.Start();
            var error = Record.Exception(() => learn.Fit(3));
            disposer.Join();
            Assert.True(error is null or ObjectDisposedException, $"run {run}: {error}");
            Assert.Equal(0, BatchPass.LiveWorkers);
            Assert.Throws<ObjectDisposedException>(() => learn.Fit(1));
        }
    }

    [Fact]
    public void A_failed_pass_stays_failed_and_a_pass_ends_at_its_last_batch()
    {
        using var dl = new DataLoader(new Items(12, failAt: 5), batchSize: 4, shuffle: true, seed: 1);
        using (var pass = dl.Pass(0))
        {
            int failed = -1;
            for (int i = 0; i < dl.Count && failed < 0; i++)
                try { pass.Take(i); }
                catch (DataLoaderException e) { failed = e.Batch; }
            Assert.True(failed >= 0);
            Assert.Equal(failed, Assert.Throws<DataLoaderException>(() => pass.Take(failed)).Batch);   // asked again: the same error, no hang
            Assert.Throws<InvalidOperationException>(() => dl.Batch(0));                               // the loader is busy with its pass
        }
        using var ok = new DataLoader(new Items(8), batchSize: 4, shuffle: true);
        using var full = ok.Pass(0);
        full.Take(0);
        full.Take(1);
        Assert.Throws<InvalidOperationException>(() => full.Take(2));
    }

    /// <summary>A dataset that keeps its items and hands out the same tensors every time (the loader must not free them).</summary>
    private sealed class Stored : utils.data.Dataset
    {
        private readonly Dictionary<string, Tensor>[] _items = Enumerable.Range(0, 6)
            .Select(i => new Dictionary<string, Tensor> { ["data"] = full(2, (float)i), ["label"] = tensor((long)i) }).ToArray();
        public override long Count => _items.Length;
        public override Dictionary<string, Tensor> GetTensor(long index) => _items[index];
    }

    [Fact]
    public void Tensors_a_dataset_keeps_are_not_freed_by_the_loader()
    {
        using var dl = new DataLoader(new Stored(), batchSize: 3);
        for (int pass = 0; pass < 2; pass++)
            using (var p = dl.Pass(pass))
                for (int i = 0; i < dl.Count; i++) Assert.Equal(3 * i, p.Take(i).Y.data<long>()[0]);
    }
}
