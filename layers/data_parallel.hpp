// DataParallel: one training step's forward and backward split over threads by batch rows.
//
// NOTE [data parallelism on thread-local tapes]
// Every thread records on its own tape (autodiff/tape.hpp), so K threads can each run a plain
// forward and backward over a slice of the batch at once, with nothing shared while they record.
// A leaf, though, remembers the tape slot it was recorded into, so one parameter tensor cannot
// be recorded by two threads at once: the calling thread runs slice 0 on the model itself, and
// each other thread runs its slice on a replica whose parameters are copies of the model's,
// refreshed before every step. After the threads join, the replicas' gradients are added to the
// model's. The gradients are the full batch's, up to the order of float additions, as long as
// each slice's loss is its share of the full loss (Shard::weight() for a mean over rows).
//
// This is how tapegrad uses a second core on recurrent training: a time step's GEMMs are too
// small for OpenBLAS's own threads to pay off (they spin while the step's elementwise work runs),
// while whole slices of the batch keep each core busy with its own work. Give OpenBLAS one
// thread per worker (openblas_set_num_threads(1)) so the two do not oversubscribe the cores.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "autodiff/error.hpp"
#include "autodiff/tape.hpp"
#include "layers/module.hpp"

namespace tapegrad {

namespace detail {

// Runs job(k) for k = 0..size()-1 at once: k = 0 on the calling thread, the others on threads
// kept for the pool's lifetime, so a step pays a wake-up rather than a thread start.
class WorkerPool {
 public:
  explicit WorkerPool(std::size_t threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  std::size_t size() const { return workers_.size() + 1; }
  // Returns when every job has finished; rethrows the lowest-numbered job's exception.
  void run(const std::function<void(std::size_t)>& job);

 private:
  void work(std::size_t k);

  std::mutex mutex_;
  std::condition_variable start_, finished_;
  const std::function<void(std::size_t)>* job_ = nullptr;
  std::size_t generation_ = 0, running_ = 0;
  bool stopping_ = false;
  std::vector<std::exception_ptr> errors_;
  std::vector<std::thread> workers_;
};

}  // namespace detail

// Rows [begin, end) of a batch of `batch` rows: the part of the batch one thread trains on.
struct Shard {
  std::size_t index = 0, begin = 0, end = 0, batch = 0;
  std::size_t rows() const { return end - begin; }
  // This slice's share of a loss that is a mean over the batch's rows.
  double weight() const { return static_cast<double>(rows()) / static_cast<double>(batch); }
};

template <class M>
class DataParallel {
 public:
  using T = typename decltype(std::declval<M&>().parameters())::value_type::value_type;
  // The slice's loss; the sum over slices must be the full batch's loss.
  using ShardLoss = std::function<Tensor<T>(M& module, const Shard& shard)>;

  // `threads` workers in all, the calling thread included; `make_replica` builds a module of
  // the same architecture as `model` (its initial values do not matter: they are overwritten).
  DataParallel(M& model, std::size_t threads,
               const std::function<std::unique_ptr<M>()>& make_replica)
      : model_(model), pool_(std::max<std::size_t>(threads, 1)) {
    if (threads == 0) throw Error("DataParallel: threads must be at least 1");
    const auto named = model_.named_parameters();
    for (std::size_t k = 1; k < pool_.size(); ++k) {
      std::unique_ptr<M> replica = make_replica();
      const auto replica_named = replica->named_parameters();
      if (replica_named.size() != named.size())
        throw Error("DataParallel: a replica has " + std::to_string(replica_named.size()) +
                    " parameters but the model has " + std::to_string(named.size()));
      for (std::size_t i = 0; i < named.size(); ++i)
        if (replica_named[i].first != named[i].first ||
            replica_named[i].second.shape() != named[i].second.shape())
          throw Error("DataParallel: replica parameter " + replica_named[i].first + " " +
                      shape_str(replica_named[i].second.shape()) + " does not match the model's " +
                      named[i].first + " " + shape_str(named[i].second.shape()));
      replicas_.push_back(std::move(replica));
    }
  }

  std::size_t threads() const { return pool_.size(); }

  // Splits `batch` rows into up to threads() contiguous slices, runs shard_loss and backward
  // for each on its own thread, and adds the slices' gradients to the model's parameters'
  // (as loss.backward() on the full batch would). Returns the sum of the slices' losses.
  // If a slice throws, its exception is rethrown here and the model's gradients hold only
  // what the other slices added: zero them before retrying.
  T backward(std::size_t batch, const ShardLoss& shard_loss) {
    if (batch == 0) throw Error("DataParallel::backward: the batch is empty");
    const std::size_t shards = std::min(batch, pool_.size());
    std::vector<T> losses(shards, T(0));
    pool_.run([&](std::size_t k) {
      if (k >= shards) return;
      const Shard shard{k, batch * k / shards, batch * (k + 1) / shards, batch};
      M& module = k == 0 ? model_ : *replicas_[k - 1];
      if (k > 0) refresh(module);
      try {
        Tensor<T> loss = shard_loss(module, shard);
        loss.backward();
        losses[k] = loss.item();
      } catch (...) {
        tape().reset();  // what a failed slice recorded must not leak into the next step
        throw;
      }
    });
    for (std::size_t k = 1; k < shards; ++k) add_gradients(*replicas_[k - 1]);
    T total = 0;
    for (T loss : losses) total += loss;
    return total;
  }

 private:
  // The model's current values and mode, without gradients.
  void refresh(M& replica) {
    replica.train(model_.is_training());
    const auto source = model_.parameters();
    auto target = replica.parameters();
    for (std::size_t i = 0; i < source.size(); ++i) {
      const Array<T>& from = source[i].value();
      std::copy(from.begin(), from.end(), target[i].mutable_value().begin());
      target[i].zero_grad();
    }
  }

  void add_gradients(M& replica) {
    auto into = model_.parameters();
    const auto from = replica.parameters();
    for (std::size_t i = 0; i < into.size(); ++i) {
      const Tensor<T> g = from[i].grad();
      if (!g) continue;
      Tensor<T> sum = into[i].grad();
      if (!sum) {
        into[i].set_grad(Tensor<T>(Array<T>(g.value())));
        continue;
      }
      T* out = sum.mutable_value().data();
      const T* in = g.value().data();
      for (std::size_t j = 0, n = g.size(); j < n; ++j) out[j] += in[j];
    }
  }

  M& model_;
  std::vector<std::unique_ptr<M>> replicas_;
  detail::WorkerPool pool_;
};

}  // namespace tapegrad
